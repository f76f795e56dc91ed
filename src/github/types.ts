/** GitHub data as fixpoint uses it: the few fields read, validated from the REST payloads. */
import { z } from "zod";

const user = z
  .object({ login: z.string(), type: z.string().optional() })
  .nullable()
  .optional()
  .transform((u) => ({ login: u?.login ?? "ghost", type: u?.type ?? "User" }));

export const issueSchema = z
  .object({
    number: z.number().int(),
    title: z.string(),
    body: z.string().nullable().optional(),
    state: z.string(),
    locked: z.boolean().optional(),
    html_url: z.string(),
    user,
    created_at: z.string(),
    labels: z.array(z.union([z.string(), z.object({ name: z.string().nullable().optional() })])).optional(),
    pull_request: z.unknown().optional(),
  })
  .transform((i) => ({
    number: i.number,
    title: i.title,
    body: i.body ?? "",
    state: i.state === "closed" ? ("closed" as const) : ("open" as const),
    locked: i.locked ?? false,
    htmlUrl: i.html_url,
    author: i.user.login,
    createdAt: i.created_at,
    labels: (i.labels ?? []).map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
    isPullRequest: i.pull_request !== undefined && i.pull_request !== null,
  }));
export type GitHubIssue = z.output<typeof issueSchema>;

export const commentSchema = z
  .object({
    id: z.number().int(),
    body: z.string().nullable().optional(),
    user,
    created_at: z.string(),
    html_url: z.string(),
  })
  .transform((c) => ({
    id: c.id,
    body: c.body ?? "",
    author: c.user.login,
    authorType: c.user.type,
    createdAt: c.created_at,
    htmlUrl: c.html_url,
  }));
export type GitHubComment = z.output<typeof commentSchema>;

export const repoSchema = z
  .object({
    name: z.string(),
    full_name: z.string(),
    owner: z.object({ login: z.string() }),
    default_branch: z.string(),
    clone_url: z.string(),
    html_url: z.string(),
    private: z.boolean().optional(),
    archived: z.boolean().optional(),
  })
  .transform((r) => ({
    owner: r.owner.login,
    name: r.name,
    fullName: r.full_name,
    defaultBranch: r.default_branch,
    cloneUrl: r.clone_url,
    htmlUrl: r.html_url,
    private: r.private ?? false,
    archived: r.archived ?? false,
  }));
export type GitHubRepo = z.output<typeof repoSchema>;

export const pullSchema = z
  .object({
    number: z.number().int(),
    html_url: z.string(),
    state: z.string(),
    draft: z.boolean().optional(),
    title: z.string(),
    body: z.string().nullable().optional(),
    head: z.object({ ref: z.string() }),
    base: z.object({ ref: z.string() }),
  })
  .transform((p) => ({
    number: p.number,
    htmlUrl: p.html_url,
    state: p.state,
    draft: p.draft ?? false,
    title: p.title,
    body: p.body ?? "",
    head: p.head.ref,
    base: p.base.ref,
  }));
export type GitHubPullRequest = z.output<typeof pullSchema>;

export const permissionSchema = z.object({
  permission: z.string(),
  role_name: z.string().optional(),
});

/** A user's role on a repository (`role_name` where GitHub gives it, which knows maintain/triage). */
export type RepoPermission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

/** Identifies an issue. */
export interface IssueRef {
  owner: string;
  repo: string;
  number: number;
}
