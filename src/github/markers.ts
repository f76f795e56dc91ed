/** Hidden HTML comments that let fixpoint recognise its own pull requests and comments. */

/** In the body of every pull request fixpoint opens, tying it to its issue. */
export function pullRequestMarker(issueNumber: number): string {
  return `<!-- fixpoint:issue=${issueNumber} -->`;
}

/** In the Action's progress comment. */
export const PROGRESS_MARKER = "<!-- fixpoint:progress -->";

/** In every comment fixpoint writes (PR links, refusals), so they are left out of the task text. */
export const COMMENT_MARKER = "<!-- fixpoint:comment -->";

export function isFixpointComment(body: string): boolean {
  return body.includes("<!-- fixpoint:");
}
