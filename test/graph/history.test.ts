import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { similarCommits } from "../../src/graph/history.js";
import {
  type CodeGraph,
  localizationSummary,
  localize,
  openCodeGraph,
  syncHistory,
} from "../../src/graph/index.js";
import { openStore } from "../../src/graph/store.js";
import { tempCache, writeRepo } from "./fixtures.js";

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd: dir })
    .toString()
    .trim();
}

/** Writes files and commits them with `message`; returns the new commit's hash. */
function commit(dir: string, files: Record<string, string>, message: string): string {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", message);
  return git(dir, "rev-parse", "HEAD");
}

// Code whose words say nothing about the issue below: only the history knows where escapes live.
const CODE = {
  "pkg/reader.py": "def read_chunk(stream, size):\n    return stream.read(size)\n",
  "pkg/layout.py": "def place(rows, width):\n    return [r[:width] for r in rows]\n",
  "pkg/colors.py":
    'def shade(rgb, amount):\n    """Colours written as string literals."""\n    return tuple(c * amount for c in rgb)\n',
  "pkg/units.py": "def convert(value, factor):\n    return value * factor\n",
};
const ISSUE =
  "Crash on unicode escapes in string literals\nA literal such as '\\u00e9' makes the tokenizer crash.";

describe("commit history as localization evidence", () => {
  let root: string;
  let first: string;
  let escapesFix: string;
  beforeAll(() => {
    root = writeRepo(CODE, { git: true });
    first = git(root, "rev-parse", "HEAD");
    escapesFix = commit(
      root,
      { "pkg/reader.py": `${CODE["pkg/reader.py"]}# v2\n` },
      "Fix tokenizer crash on unicode escapes in string literals",
    );
    commit(
      root,
      {
        "pkg/layout.py": `${CODE["pkg/layout.py"]}# aligned\n`,
        "tests/test_layout.py": "def test_place():\n    pass\n",
      },
      "Align table columns when rendering wide rows",
    );
  });

  it("files changed by past commits like the issue are found; without history they are not", async () => {
    const g: CodeGraph = await openCodeGraph(root, { cacheDir: tempCache(), workers: 0 });
    try {
      await g.build();
      expect(g.stats().history).toBeNull(); // read by the first localize, not by the build
      const withHistory = localize(g, ISSUE, { top: 5, explain: true }).files;
      expect(g.stats().history).toEqual({ head: git(root, "rev-parse", "HEAD"), commits: 3 });
      const without = localize(g, ISSUE, { top: 5, history: false, explain: true }).files;
      // From the code alone only the file whose docstring shares the issue's words is found.
      expect(without.map((f) => f.path)).toEqual(["pkg/colors.py"]);
      // The past fix of the same crash brings in the file it changed, on that evidence.
      const reader = withHistory.find((f) => f.path === "pkg/reader.py");
      expect(reader?.why?.["history"]).toBeGreaterThan(0);
      expect(withHistory.map((f) => f.path)).toEqual(["pkg/colors.py", "pkg/reader.py"]);
      // The commits themselves come with the answer (the agent's prompt lists them).
      expect(localize(g, ISSUE).commits).toEqual([
        {
          hash: escapesFix,
          subject: "Fix tokenizer crash on unicode escapes in string literals",
          files: ["pkg/reader.py"],
        },
      ]);
      expect(localizationSummary(g, ISSUE)).toContain(
        `- ${escapesFix.slice(0, 10)} Fix tokenizer crash on unicode escapes in string literals (pkg/reader.py)`,
      );
      expect(localize(g, ISSUE, { history: false }).commits).toEqual([]);
    } finally {
      g.close();
    }
  });

  it("syncs incrementally, and a checkout back in time forgets the later commits", () => {
    const { db } = openStore(join(tempCache(), "h.db"));
    try {
      const full = syncHistory(db, { repo: root, rev: "HEAD" });
      expect(full).toMatchObject({ action: "rebuilt", commits: 3 });
      expect(syncHistory(db, { repo: root, rev: "HEAD" })).toMatchObject({ action: "unchanged", commits: 3 });
      // An index written in another format (what is read from the log changed) is read again.
      db.prepare("UPDATE meta SET value = 'old' WHERE key = 'history_format'").run();
      expect(syncHistory(db, { repo: root, rev: "HEAD" })).toMatchObject({ action: "rebuilt", commits: 3 });

      const next = commit(
        root,
        { "pkg/units.py": `${CODE["pkg/units.py"]}# metric\n` },
        "Convert imperial units",
      );
      expect(syncHistory(db, { repo: root, rev: next })).toMatchObject({ action: "appended", commits: 4 });
      expect(similarCommits(db, "imperial", 5).map((c) => c.hash)).toEqual([next]);
      expect(similarCommits(db, "aligned OR align", 5)).toHaveLength(1);

      // The task's base commit is older: what came after it (its fix, say) must not be seen.
      expect(syncHistory(db, { repo: root, rev: escapesFix })).toMatchObject({
        action: "rebuilt",
        commits: 2,
      });
      expect(similarCommits(db, "imperial", 5)).toEqual([]);
      expect(similarCommits(db, "align", 5)).toEqual([]);
      const hit = similarCommits(db, "tokenizer", 5);
      expect(hit.map((c) => [c.hash, c.files])).toEqual([[escapesFix, ["pkg/reader.py"]]]);
    } finally {
      db.close();
    }
  });

  it("keeps only the newest commits past the limit", () => {
    const { db } = openStore(join(tempCache(), "h.db"));
    try {
      expect(syncHistory(db, { repo: root, rev: escapesFix }, { maxCommits: 1 })).toMatchObject({
        commits: 1,
      });
      expect(similarCommits(db, "tokenizer", 5)).toHaveLength(1);
      expect(similarCommits(db, "pkg OR reader OR layout", 5).map((c) => c.hash)).not.toContain(first);
    } finally {
      db.close();
    }
  });

  it("a directory outside git, or an unknown revision, means no history and no error", async () => {
    const plain = writeRepo(CODE);
    const { db } = openStore(join(tempCache(), "h.db"));
    try {
      expect(syncHistory(db, { repo: plain, rev: "HEAD" })).toBeNull();
      expect(syncHistory(db, { repo: root, rev: "no-such-branch" })).toBeNull();
    } finally {
      db.close();
    }
    const g = await openCodeGraph(plain, { cacheDir: tempCache(), workers: 0 });
    try {
      await g.build();
      // The default (this directory's HEAD) finds no history: the same answer as with none.
      expect(localize(g, ISSUE, { top: 5 })).toEqual(localize(g, ISSUE, { top: 5, history: false }));
    } finally {
      g.close();
    }
  });

  it("a bare repository at a given commit serves a copy of the tree that has no .git", async () => {
    const bare = `${root}-bare.git`;
    execFileSync("git", ["clone", "-q", "--bare", root, bare]);
    const copy = writeRepo(CODE); // as the agent's exported tree: no .git
    const g = await openCodeGraph(copy, {
      cacheDir: tempCache(),
      workers: 0,
      history: { repo: bare, rev: escapesFix },
    });
    try {
      await g.build();
      const reader = localize(g, ISSUE, { top: 5, explain: true }).files.find(
        (f) => f.path === "pkg/reader.py",
      );
      expect(reader?.why?.["history"]).toBeGreaterThan(0);
    } finally {
      g.close();
    }
  });
});
