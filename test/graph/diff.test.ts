/**
 * `parseUnifiedDiff` reads diffs with jsdiff: what callers get (paths, added and removed line
 * numbers, created/deleted, hunks as `textBeforeDiff` reads them) and what a hand parser got
 * wrong: quoted paths, timestamps after the names, "\ No newline at end of file", removed lines
 * that look like file headers.
 */
import { describe, expect, it } from "vitest";
import { parseUnifiedDiff, textBeforeDiff } from "../../src/graph/index.js";

const lines = (...l: string[]) => `${l.join("\n")}\n`;

describe("parseUnifiedDiff", () => {
  it("git's quoted paths are unquoted (escapes and octal UTF-8)", () => {
    const diff = lines(
      'diff --git "a/sp ace\\tx.py" "b/sp ace\\tx.py"',
      "index 1111111..2222222 100644",
      '--- "a/sp ace\\tx.py"',
      '+++ "b/sp ace\\tx.py"',
      "@@ -1 +1 @@",
      "-a = 1",
      "+a = 2",
      'diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"',
      '--- "a/caf\\303\\251.py"',
      '+++ "b/caf\\303\\251.py"',
      "@@ -2,0 +3,2 @@",
      "+b = 1",
      "+c = 2",
    );
    const [q, u] = parseUnifiedDiff(diff);
    expect(q).toMatchObject({ path: "sp ace\tx.py", addedLines: [1], removedLines: [1] });
    expect(u).toMatchObject({ path: "café.py", addedLines: [3, 4], removedLines: [], created: false });
  });

  it("a timestamp after the file name (diff -u) is not part of the path", () => {
    const diff = lines(
      "--- a/pkg/util.py\t2024-01-01 10:00:00.000000000 +0100",
      "+++ b/pkg/util.py\t2024-01-02 11:00:00.000000000 +0100",
      "@@ -1,3 +1,3 @@",
      " def clamp(x):",
      "-    return x",
      "+    return max(0, x)",
      " ",
    );
    expect(parseUnifiedDiff(diff)).toEqual([
      {
        path: "pkg/util.py",
        addedLines: [2],
        removedLines: [2],
        deleted: false,
        created: false,
        hunks: [
          {
            newStart: 1,
            newCount: 3,
            lines: [" def clamp(x):", "-    return x", "+    return max(0, x)", " "],
          },
        ],
      },
    ]);
  });

  it('"\\ No newline at end of file" is neither a line nor counted, on either side', () => {
    const diff = lines(
      "--- a/x.py",
      "+++ b/x.py",
      "@@ -1,2 +1,2 @@",
      " a = 1",
      "-b = 2",
      "\\ No newline at end of file",
      "+b = 3",
      "\\ No newline at end of file",
    );
    const [c] = parseUnifiedDiff(diff);
    expect(c).toMatchObject({ addedLines: [2], removedLines: [2] });
    expect(c!.hunks[0]!.lines).toEqual([" a = 1", "-b = 2", "+b = 3"]);
    expect(textBeforeDiff("a = 1\nb = 3", c!)).toBe("a = 1\nb = 2");
  });

  it("removed lines that read like file headers, at a hunk's end and before the next file", () => {
    const diff = lines(
      "diff --git a/q.sql b/q.sql",
      "--- a/q.sql",
      "+++ b/q.sql",
      "@@ -1,3 +1,1 @@",
      " select 1;",
      "---- a comment",
      "-+++ b/not-a-header",
      "diff --git a/b.py b/b.py",
      "--- a/b.py",
      "+++ b/b.py",
      "@@ -1 +1 @@",
      "-x = 1",
      "+x = 2",
    );
    const [q, b] = parseUnifiedDiff(diff);
    expect(q).toMatchObject({ path: "q.sql", addedLines: [], removedLines: [2, 3] });
    expect(q!.hunks[0]!.lines).toEqual([" select 1;", "---- a comment", "-+++ b/not-a-header"]);
    expect(textBeforeDiff("select 1;\n", q!)).toBe("select 1;\n--- a comment\n+++ b/not-a-header\n");
    expect(b).toMatchObject({ path: "b.py", addedLines: [1], removedLines: [1] });
  });

  it("zero-length sides keep the header's line number (after which the hunk sits)", () => {
    const diff = lines(
      "--- a/x.py",
      "+++ b/x.py",
      "@@ -3,2 +2,0 @@",
      "-gone = 1",
      "-gone_too = 2",
      "@@ -9,0 +8,1 @@",
      "+new = 3",
    );
    const [c] = parseUnifiedDiff(diff);
    expect(c!.removedLines).toEqual([3, 4]);
    expect(c!.addedLines).toEqual([8]);
    expect(c!.hunks.map((h) => [h.newStart, h.newCount])).toEqual([
      [2, 0],
      [8, 1],
    ]);
    const now = ["l1", "l2", "l5", "l6", "l7", "l8", "l9", "new = 3", "l10"].join("\n");
    expect(textBeforeDiff(now, c!)).toBe(
      ["l1", "l2", "gone = 1", "gone_too = 2", "l5", "l6", "l7", "l8", "l9", "l10"].join("\n"),
    );
  });

  it("created and deleted files; mode changes, pure renames and binary files carry no lines and are left out", () => {
    const diff = lines(
      "diff --git a/new.py b/new.py",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/new.py",
      "@@ -0,0 +1,2 @@",
      "+def f():",
      "+    pass",
      "diff --git a/old.py b/old.py",
      "deleted file mode 100644",
      "--- a/old.py",
      "+++ /dev/null",
      "@@ -1 +0,0 @@",
      "-x = 1",
      "diff --git a/run.sh b/run.sh",
      "old mode 100644",
      "new mode 100755",
      "diff --git a/from.py b/to.py",
      "similarity index 100%",
      "rename from from.py",
      "rename to to.py",
      "diff --git a/logo.png b/logo.png",
      "Binary files a/logo.png and b/logo.png differ",
    );
    expect(
      parseUnifiedDiff(diff).map((c) => [c.path, c.created, c.deleted, c.addedLines, c.removedLines]),
    ).toEqual([
      ["new.py", true, false, [1, 2], []],
      ["old.py", false, true, [], [1]],
    ]);
  });

  it("a hunk whose lines do not add up to its header is an error that says so", () => {
    const diff = lines("--- a/x.py", "+++ b/x.py", "@@ -1,3 +1,3 @@", " a", "-b", "+c", "garbage");
    expect(() => parseUnifiedDiff(diff)).toThrow(/not a valid unified diff: .*hunk/i);
    expect(parseUnifiedDiff("")).toEqual([]);
    expect(parseUnifiedDiff("just some text\n")).toEqual([]);
  });
});
