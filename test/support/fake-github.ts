/**
 * A local stand-in for the GitHub REST API endpoints fixpoint uses (issues, comments, pulls,
 * repos, collaborator permission), keeping state in memory, recording every request, and able
 * to inject faults (401, 404, 403 rate limit, 429). Driven by the real octokit client.
 */
import { execFileSync } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

export interface Fault {
  method?: string;
  /** Matched against the request path (without query). */
  path: RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many matching requests fail; default 1. */
  times?: number;
}

interface User {
  login: string;
  type: "User" | "Bot";
}

interface IssueState {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  locked: boolean;
  user: User;
  labels: string[];
  created_at: string;
  isPullRequest: boolean;
}

interface CommentState {
  id: number;
  issue: number;
  body: string;
  user: User;
  created_at: string;
  updated_at: string;
}

export interface PullState {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  state: "open" | "closed";
}

interface RepoState {
  owner: string;
  name: string;
  defaultBranch: string;
  cloneUrl: string;
  /** Bare repository behind it: pull requests need their head branch to exist there. */
  gitDir?: string;
  private: boolean;
  issues: Map<number, IssueState>;
  comments: CommentState[];
  pulls: Map<number, PullState>;
  permissions: Map<string, string>;
  nextNumber: number;
}

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  private readonly repos = new Map<string, RepoState>();
  private faults: Fault[] = [];
  private server?: Server;
  private nextCommentId = 1000;
  url = "";
  /** When set, requests must carry this token (else 401 Bad credentials). */
  token: string | undefined;
  /** The login the token belongs to (author of comments and pull requests). */
  botLogin = "github-actions[bot]";

  constructor(opts: { token?: string } = {}) {
    this.token = opts.token;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => this.send(res, 500, { message: String(err) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addRepo(r: {
    owner: string;
    name: string;
    defaultBranch?: string;
    cloneUrl?: string;
    gitDir?: string;
  }): void {
    this.repos.set(`${r.owner}/${r.name}`.toLowerCase(), {
      owner: r.owner,
      name: r.name,
      defaultBranch: r.defaultBranch ?? "main",
      cloneUrl: r.cloneUrl ?? `${this.url}/${r.owner}/${r.name}.git`,
      ...(r.gitDir ? { gitDir: r.gitDir } : {}),
      private: false,
      issues: new Map(),
      comments: [],
      pulls: new Map(),
      permissions: new Map(),
      nextNumber: 1,
    });
  }

  private repo(owner: string, name: string): RepoState | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  addIssue(
    owner: string,
    name: string,
    i: {
      number?: number;
      title: string;
      body?: string;
      state?: "open" | "closed";
      locked?: boolean;
      author?: string;
      labels?: string[];
      isPullRequest?: boolean;
      createdAt?: string;
    },
  ): number {
    const r = this.repo(owner, name)!;
    const number = i.number ?? r.nextNumber;
    r.nextNumber = Math.max(r.nextNumber, number + 1);
    r.issues.set(number, {
      number,
      title: i.title,
      body: i.body ?? "",
      state: i.state ?? "open",
      locked: i.locked ?? false,
      user: { login: i.author ?? "reporter", type: "User" },
      labels: i.labels ?? [],
      created_at: i.createdAt ?? "2024-05-01T10:00:00Z",
      isPullRequest: i.isPullRequest ?? false,
    });
    return number;
  }

  addComment(
    owner: string,
    name: string,
    issue: number,
    c: { body: string; author: string; type?: "User" | "Bot"; createdAt?: string },
  ): number {
    const r = this.repo(owner, name)!;
    const id = this.nextCommentId++;
    const at = c.createdAt ?? "2024-05-02T12:30:00Z";
    r.comments.push({
      id,
      issue,
      body: c.body,
      user: { login: c.author, type: c.type ?? "User" },
      created_at: at,
      updated_at: at,
    });
    return id;
  }

  addPull(
    owner: string,
    name: string,
    p: Omit<PullState, "number" | "state"> & { state?: "open" | "closed" },
  ): number {
    const r = this.repo(owner, name)!;
    const number = r.nextNumber++;
    r.pulls.set(number, { ...p, number, state: p.state ?? "open" });
    return number;
  }

  setPermission(
    owner: string,
    name: string,
    user: string,
    role: "admin" | "maintain" | "write" | "triage" | "read" | "none",
  ): void {
    this.repo(owner, name)!.permissions.set(user.toLowerCase(), role);
  }

  setIssue(
    owner: string,
    name: string,
    number: number,
    patch: Partial<Pick<IssueState, "state" | "locked">>,
  ): void {
    Object.assign(this.repo(owner, name)!.issues.get(number)!, patch);
  }

  comments(owner: string, name: string, issue?: number): CommentState[] {
    return this.repo(owner, name)!.comments.filter((c) => issue === undefined || c.issue === issue);
  }

  pulls(owner: string, name: string): PullState[] {
    return [...this.repo(owner, name)!.pulls.values()];
  }

  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  private issueJson(r: RepoState, i: IssueState) {
    return {
      id: i.number * 7,
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      locked: i.locked,
      html_url: `${this.url}/${r.owner}/${r.name}/${i.isPullRequest ? "pull" : "issues"}/${i.number}`,
      user: { login: i.user.login, type: i.user.type, id: 1 },
      labels: i.labels.map((name) => ({ name, color: "ededed" })),
      created_at: i.created_at,
      comments: r.comments.filter((c) => c.issue === i.number).length,
      ...(i.isPullRequest
        ? { pull_request: { url: `${this.url}/repos/${r.owner}/${r.name}/pulls/${i.number}` } }
        : {}),
    };
  }

  private commentJson(r: RepoState, c: CommentState) {
    return {
      id: c.id,
      body: c.body,
      user: { login: c.user.login, type: c.user.type },
      created_at: c.created_at,
      updated_at: c.updated_at,
      html_url: `${this.url}/${r.owner}/${r.name}/issues/${c.issue}#issuecomment-${c.id}`,
    };
  }

  private pullJson(r: RepoState, p: PullState) {
    return {
      number: p.number,
      html_url: `${this.url}/${r.owner}/${r.name}/pull/${p.number}`,
      state: p.state,
      draft: p.draft,
      title: p.title,
      body: p.body,
      head: { ref: p.head, label: `${r.owner}:${p.head}` },
      base: { ref: p.base },
    };
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(status === 204 ? "" : JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const u = new URL(req.url ?? "/", this.url);
    const method = req.method ?? "GET";
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      headers[k] = Array.isArray(v) ? v.join(", ") : (v ?? "");
    this.requests.push({
      method,
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers,
      body,
    });

    const fault = this.faults.find(
      (f) => (!f.method || f.method === method) && f.path.test(u.pathname) && (f.times ?? 1) > 0,
    );
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      return this.send(
        res,
        fault.status,
        fault.body ?? { message: `injected ${fault.status}` },
        fault.headers,
      );
    }
    if (this.token) {
      const auth = headers.authorization ?? "";
      if (
        auth !== `token ${this.token}` &&
        auth !== `bearer ${this.token}` &&
        auth !== `Bearer ${this.token}`
      ) {
        return this.send(res, 401, {
          message: "Bad credentials",
          documentation_url: "https://docs.github.com/rest",
        });
      }
    }
    const json = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    const notFound = () => this.send(res, 404, { message: "Not Found" });
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(u.pathname);
    if (!m) return notFound();
    const r = this.repo(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
    if (!r) return notFound();
    const rest = m[3] ?? "";
    const at = (re: RegExp, verb?: string) => (!verb || verb === method ? re.exec(rest) : null);
    let k: RegExpExecArray | null;

    if (rest === "" && method === "GET") {
      return this.send(res, 200, {
        name: r.name,
        full_name: `${r.owner}/${r.name}`,
        owner: { login: r.owner },
        default_branch: r.defaultBranch,
        clone_url: r.cloneUrl,
        html_url: `${this.url}/${r.owner}/${r.name}`,
        private: r.private,
      });
    }
    k = at(/^\/issues\/(\d+)$/, "GET");
    if (k) {
      const i = r.issues.get(Number(k[1]));
      return i ? this.send(res, 200, this.issueJson(r, i)) : notFound();
    }
    k = at(/^\/issues\/(\d+)\/comments$/);
    if (k) {
      const i = r.issues.get(Number(k[1]));
      if (!i) return notFound();
      if (method === "GET") {
        const all = r.comments.filter((c) => c.issue === i.number);
        const per = Number(u.searchParams.get("per_page") ?? 30);
        const page = Number(u.searchParams.get("page") ?? 1);
        const slice = all.slice((page - 1) * per, page * per);
        const h: Record<string, string> = {};
        if (page * per < all.length) {
          h.link = `<${this.url}${u.pathname}?per_page=${per}&page=${page + 1}>; rel="next"`;
        }
        return this.send(
          res,
          200,
          slice.map((c) => this.commentJson(r, c)),
          h,
        );
      }
      if (method === "POST") {
        if (i.locked)
          return this.send(res, 403, { message: "Unable to create comment because issue is locked." });
        if (typeof json.body !== "string")
          return this.send(res, 422, { message: "Invalid request: body is missing" });
        const id = this.addComment(r.owner, r.name, i.number, {
          body: json.body,
          author: this.botLogin,
          type: "Bot",
        });
        return this.send(res, 201, this.commentJson(r, r.comments.find((c) => c.id === id)!));
      }
    }
    k = at(/^\/issues\/comments\/(\d+)$/, "PATCH");
    if (k) {
      const c = r.comments.find((x) => x.id === Number(k![1]));
      if (!c) return notFound();
      if (typeof json.body !== "string")
        return this.send(res, 422, { message: "Invalid request: body is missing" });
      c.body = json.body;
      c.updated_at = new Date().toISOString();
      return this.send(res, 200, this.commentJson(r, c));
    }
    if (rest === "/pulls" && method === "GET") {
      const state = u.searchParams.get("state") ?? "open";
      const head = u.searchParams.get("head");
      const list = [...r.pulls.values()].filter(
        (p) => (state === "all" || p.state === state) && (!head || `${r.owner}:${p.head}` === head),
      );
      return this.send(
        res,
        200,
        list.map((p) => this.pullJson(r, p)),
      );
    }
    if (rest === "/pulls" && method === "POST") {
      const head = String(json.head ?? "");
      const base = String(json.base ?? "");
      if (!head || !base || typeof json.title !== "string") {
        return this.send(res, 422, {
          message: "Validation Failed",
          errors: [{ message: "head, base and title are required" }],
        });
      }
      if (r.gitDir) {
        try {
          execFileSync("git", [
            "--git-dir",
            r.gitDir,
            "rev-parse",
            "--verify",
            "--quiet",
            `refs/heads/${head}`,
          ]);
        } catch {
          return this.send(res, 422, {
            message: "Validation Failed",
            errors: [{ resource: "PullRequest", field: "head", code: "invalid" }],
          });
        }
      }
      if ([...r.pulls.values()].some((p) => p.state === "open" && p.head === head)) {
        return this.send(res, 422, {
          message: "Validation Failed",
          errors: [{ message: `A pull request already exists for ${r.owner}:${head}.` }],
        });
      }
      const number = this.addPull(r.owner, r.name, {
        title: json.title,
        body: String(json.body ?? ""),
        head,
        base,
        draft: Boolean(json.draft),
      });
      return this.send(res, 201, this.pullJson(r, r.pulls.get(number)!));
    }
    k = at(/^\/pulls\/(\d+)$/, "PATCH");
    if (k) {
      const p = r.pulls.get(Number(k[1]));
      if (!p) return notFound();
      if (typeof json.title === "string") p.title = json.title;
      if (typeof json.body === "string") p.body = json.body;
      return this.send(res, 200, this.pullJson(r, p));
    }
    k = at(/^\/collaborators\/([^/]+)\/permission$/, "GET");
    if (k) {
      const user = decodeURIComponent(k[1]!);
      const role = r.permissions.get(user.toLowerCase()) ?? "read";
      const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
      return this.send(res, 200, { permission, role_name: role, user: { login: user } });
    }
    return notFound();
  }
}
