/** Who may start a run: write access to the repository, or a bot listed in allowed-bots. */
import type { GitHubClient, RepoPermission } from "../github/index.js";
import type { ActionInputs } from "./inputs.js";
import { botAllowed } from "./trigger.js";

export interface PermissionCheck {
  allowed: boolean;
  permission: RepoPermission | "listed-bot";
}

/** Write, maintain or admin on the repository, or a bot listed in allowed-bots. */
export async function checkActorPermission(
  client: GitHubClient,
  repo: { owner: string; repo: string },
  actor: { login: string; isBot: boolean },
  inputs: Pick<ActionInputs, "allowedBots">,
): Promise<PermissionCheck> {
  if (actor.isBot && botAllowed(actor.login, inputs.allowedBots))
    return { allowed: true, permission: "listed-bot" };
  const permission = await client.getCollaboratorPermission(repo.owner, repo.repo, actor.login);
  return { allowed: ["admin", "maintain", "write"].includes(permission), permission };
}
