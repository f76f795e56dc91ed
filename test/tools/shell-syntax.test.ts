import { describe, expect, it } from "vitest";
import { shellSyntax } from "../../src/tools/shell-syntax.js";

const commands = (script: string) => shellSyntax.simpleCommands(script);
const programs = (script: string) => commands(script).map((c) => c.words[0]);

describe("shell syntax", () => {
  it("splits at pipes, lists, separators, newlines, groups and substitutions", () => {
    expect(programs("a | b && c || d; e & f\ng")).toEqual(["a", "b", "c", "d", "e", "f", "g"]);
    expect(programs("(a; b) && { c; } && echo $(d `e`) <(f) >(g)")).toEqual([
      "a",
      "b",
      "c",
      "echo",
      "d",
      "e",
      "f",
      "g",
    ]);
    expect(programs("if a; then b; elif c; then d; else e; fi; while f; do g; done")).toEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
      "f",
      "g",
    ]);
    expect(programs("ls # vim\n# less")).toEqual(["ls"]);
  });

  it("removes quotes and keeps assignments apart", () => {
    const [c] = commands(`FOO="a b" B=$'x' git commit -m "fix \\"it\\"" 'q'"w"e\\ f`);
    expect(c!.assignments).toEqual(["FOO=a b", "B=x"]);
    expect(c!.words).toEqual(["git", "commit", "-m", 'fix "it"', "qwe f"]);
  });

  it("leaves redirections out of the words and notes standard input", () => {
    const [a, b] = commands("cat < in.txt > out.txt 2>&1; python3 <<< 'x' 3<f");
    expect(a).toMatchObject({ words: ["cat"], stdinRedirected: true });
    expect(b).toMatchObject({ words: ["python3"], stdinRedirected: true });
    expect(commands("cat 3<f")[0]).toMatchObject({ stdinRedirected: false });
  });

  it("skips heredoc bodies and marks the commands that read them", () => {
    const cs = commands("cat > f.py <<'EOF' && python3 f.py\nvim\nless\nEOF\nls");
    expect(cs.map((c) => [c.words[0], c.stdinRedirected])).toEqual([
      ["cat", true],
      ["python3", false],
      ["ls", false],
    ]);
  });

  it("tracks pipes through groups and heredoc lines", () => {
    const flags = (s: string) => commands(s).map((c) => `${c.words[0]}:${+c.pipeIn}${+c.pipeOut}`);
    expect(flags("a | (b; c) | d")).toEqual(["a:01", "b:11", "c:11", "d:10"]);
    expect(flags("cat <<EOF | grep x | less\nbody\nEOF")).toEqual(["cat:01", "grep:11", "less:10"]);
    expect(flags("echo $(a) <(b) >(c)")).toEqual(["echo:00", "a:01", "b:01", "c:10"]);
  });

  it("recovers heredoc lines the grammar misparses", () => {
    const cs = commands("python3 - <<EOF; echo done\nvim\nEOF\nls");
    expect(cs.map((c) => [c.words[0], c.stdinRedirected])).toEqual([
      ["python3", true],
      ["echo", false],
      ["ls", false],
    ]);
  });

  it("parses an empty script and a long heredoc", () => {
    expect(commands("")).toEqual([]);
    const body = "x = 1\n".repeat(20_000);
    expect(programs(`cat > big.py <<'EOF'\n${body}EOF\npython3 big.py`)).toEqual(["cat", "python3"]);
  });
});
