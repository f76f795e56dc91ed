import { beforeAll, describe, expect, it } from "vitest";
import { detectInteractive, isInteractiveCommand } from "../../src/tools/interactive.js";
import { loadWasmShellSyntax, type ShellSyntax, shellSyntax } from "../../src/tools/shell-syntax.js";

const refused: Array<[string, string]> = [
  ["vim", "vim"],
  ["vim src/app.py", "vim"],
  ["vi file.txt", "vi"],
  ["nano README.md", "nano"],
  ["emacs main.c", "emacs"],
  ["/usr/bin/vim x", "vim"],
  ["sudo vim /etc/hosts", "vim"],
  ["EDITOR=x vim a", "vim"],
  ["cd src && vim app.py", "vim"],
  ["ls; nano x", "nano"],
  ["true || emacs x", "emacs"],
  ["(cd src; vim a.py)", "vim"],
  ["{ vim a; }", "vim"],
  ["if true; then vim a; fi", "vim"],
  ["echo $(vim a)", "vim"],
  ["less README.md", "less"],
  ["git log | less", "less"],
  ["more file", "more"],
  ["man git", "man"],
  ["python", "python"],
  ["python3", "python3"],
  ["python3.11", "python3.11"],
  ["python3 -i script.py", "python3"],
  ["python -u", "python"],
  ["node", "node"],
  ["FOO=1 node", "node"],
  ["irb", "irb"],
  ["ipython", "ipython"],
  ["ruby", "ruby"],
  ["php -a", "php"],
  ["top", "top"],
  ["htop", "htop"],
  ["watch -n1 ls", "watch"],
  ["tail -f log.txt", "tail -f"],
  ["tail -n 20 -F log", "tail -f"],
  ["git commit", "git commit"],
  ["git commit -a", "git commit"],
  ["git commit --amend", "git commit"],
  ["git -C repo commit", "git commit"],
  ["git rebase -i HEAD~3", "git rebase -i"],
  ["git rebase --interactive main", "git rebase -i"],
  ["git add -p", "git add -p"],
  ["git add --patch src", "git add -p"],
  ["git checkout -p", "git checkout -p"],
  ["git rebase --continue", "git rebase --continue"],
  ["ssh host", "ssh"],
  ["ssh user@host ls", "ssh"],
  ["tmux", "tmux"],
  ["bash", "bash"],
  ["sh -i", "sh"],
  ["sqlite3 db.sqlite", "sqlite3"],
  ["psql", "psql"],
  ["python3 -m pdb x.py", "python3 -m pdb"],
  ["gdb ./a.out", "gdb"],
  ["cat", "cat"],
  ["cat > notes.txt", "cat"],
  ["timeout 10 python3", "python3"],
  ["env -i FOO=1 python3", "python3"],
  ["nohup vim &", "vim"],
  ["echo hi\nvim x", "vim"],
  ["echo a \\\n && vim x", "vim"],
  ["find . -name '*.py' | xargs vim", "vim"],
  ["sudo -i", "sudo -i"],
  ["crontab -e", "crontab -e"],
];

const allowed: string[] = [
  "echo vim",
  "echo less",
  "cat vim.txt",
  "cat less.txt more.txt",
  "grep -rn 'vim' .",
  "ls -la",
  "python3 -c 'print(1)'",
  'python -c "import sys; print(sys.version)"',
  "python3 script.py",
  "python3 -m pytest -q",
  "python3 -V",
  "python --version",
  "echo 'print(1)' | python3",
  "python3 < script.py",
  "python3 - <<'EOF'\nimport vim\nprint('less')\nEOF",
  "cat > f.py <<EOF\nvim\nless x\nnano\nEOF\npython3 f.py",
  "cat <<-EOF > x\n\tvim\n\tEOF\necho done",
  "python3 <<< 'print(1)'",
  "node script.js",
  "node -e 'console.log(1)'",
  "node --version",
  "node -v",
  "node --test test/",
  "ruby -e 'puts 1'",
  "perl -ne 'print' file",
  "irb script.rb",
  "git commit -m 'fix vim mode'",
  'git commit -am "msg"',
  "git commit -F msg.txt",
  "git commit --amend --no-edit",
  "git commit --message=done",
  "GIT_EDITOR=true git rebase --continue",
  "git -c core.editor=true commit",
  "git log --oneline | head",
  "git diff",
  "git add src/a.py",
  "git rebase main",
  "git status",
  "man git | col -b | head",
  "top -b -n 1",
  "tail -n 50 log.txt",
  "tail -5 file",
  "bash script.sh",
  "bash -c 'echo hi'",
  "sh -c 'ls'",
  "echo ls | bash",
  "sqlite3 db.sqlite 'select 1'",
  "sqlite3 db.sqlite < schema.sql",
  "psql -c 'select 1'",
  "emacs --batch -l x.el",
  "vim -es -c 'wq' file",
  "echo 'vim' > notes.txt",
  "ls # vim in a comment",
  "grep -n less file.txt | sort",
  "cat file | less_than_script",
  "npm test",
  "pytest -x tests/test_vim.py",
  'echo "$(cat vim.txt)"',
  "mkdir -p a && cd a && touch b",
  "cat file | tee out.txt",
  "read x <<< 'hello'",
  "while read -r l; do echo $l; done < file.txt",
  "read answer",
  "echo y | read x",
  "python3 -W ignore script.py",
  "FOO=bar python3 x.py",
  "timeout 5 python3 x.py",
  "",
  "   ",
  "x=1",
];

/** Cases a hand-written tokenizer got wrong and the bash grammar gets right. */
const parsedRight: Array<[string, string | null]> = [
  // Command substitutions run inside double quotes and unquoted heredoc bodies…
  ['git commit -m "fix $(vim)"', "vim"],
  ['echo "`nano x`"', "nano"],
  ["cat <<EOF\n$(vim x)\nEOF", "vim"],
  // …but not in a quoted heredoc body.
  ["cat <<'EOF'\n$(vim x)\nEOF", null],
  // A group's redirections and pipes reach the commands inside it.
  ["(man git) | col -b", null],
  ["echo ls | (cd src && bash)", null],
  ["{ echo 1; less x; } < /dev/null", "less"],
  ['while read -r f; do python3 x.py "$f"; done < list.txt', null],
  // Substitutions are not separators: their output is captured, their words are arguments.
  ["cat <(echo x)", null],
  ["diff <(git show HEAD:a.py) a.py", null],
  ['echo "$(man git)"', null],
  ["x=$(python3)", "python3"],
  // Only file descriptor 0 is standard input.
  ["cat 3< f", "cat"],
  ["cat 0< f", null],
  ["exec 3<file; cat <&3", null],
  // A redirection after a chain belongs to its last command.
  ["python3 && echo hi < in.txt", "python3"],
  ["echo hi && python3 < in.txt", null],
  ["cat <<EOF | python3\nprint(1)\nEOF", null],
  ["python3 <<EOF && vim x\nprint(1)\nEOF", "vim"],
  ["a | b <<EOF | c\nx\nEOF\nvim", "vim"],
  // Quoting of the program word.
  ['"vim" a', "vim"],
  ["\\vim a", "vim"],
  ["v'i'm a", "vim"],
  ["echo $'vim'", null],
  // Compound commands.
  ["case $x in a) vim;; esac", "vim"],
  ["for f in *.py; do vim $f; done", "vim"],
  ['f() { vim "$1"; }', "vim"],
  ["python3 -c \"$(cat <<'EOF'\nprint(1)\nEOF\n)\"", null],
  // Heredoc lines the grammar misparses (tree-sitter-bash#346) are recovered.
  ["python3 - <<EOF; echo done\nprint(1)\nEOF", null],
  ["python3 - <<'EOF' ; echo done\nvim\nless x\nEOF", null],
  ["python3 - <<'EOF' &\nvim\nEOF", null],
  ["cat <<'EOF' > f; vim f\nx\nEOF", "vim"],
  ["cat <<'EOF' 2>&1 | less\nx\nEOF", "less"],
  ["cat <<A <<B\nvim\nA\nless\nB\necho ok", null],
  ["cat <<A <<B\nvim\nA\nless\nB\nnano", "nano"],
  ["echo 'é' && cat <<EOF; vim x\nü\nEOF", "vim"],
  ["echo 'é' && cat <<EOF; echo ok\nvim\nEOF", null],
  // Broken syntax still finds the commands it can.
  ["vim 'unterminated", "vim"],
  ["if true; then less x", "less"],
  // xargs options that take a value.
  ["find . -name '*.py' | xargs -n 1 vim", "vim"],
  ["ls | xargs -I {} cat {}", null],
];

describe("interactive command detector", () => {
  it.each(refused)("refuses %j (%s)", (cmd, program) => {
    const m = detectInteractive(cmd);
    expect(m, cmd).not.toBeNull();
    expect(m!.program).toBe(program);
    expect(m!.hint.length).toBeGreaterThan(10);
    expect(isInteractiveCommand(cmd)).toBe(true);
  });

  it.each(allowed.map((c) => [c]))("allows %j", (cmd) => {
    expect(detectInteractive(cmd)).toBeNull();
    expect(isInteractiveCommand(cmd)).toBe(false);
  });
});

describe("interactive command detector on cases the bash grammar parses", () => {
  it.each(parsedRight)("%j gives %s", (cmd, program) => {
    expect(detectInteractive(cmd)?.program ?? null).toBe(program);
  });
});

describe("interactive command detector through web-tree-sitter", () => {
  let wasm: ShellSyntax;
  beforeAll(async () => {
    wasm = await loadWasmShellSyntax();
  });

  it("agrees with the native parser on every case", () => {
    expect(shellSyntax.backend).toBe("native");
    expect(wasm.backend).toBe("wasm");
    const all: string[] = [...refused.map(([c]) => c), ...allowed, ...parsedRight.map(([c]) => c)];
    for (const cmd of all) {
      expect(detectInteractive(cmd, wasm)?.program ?? null, cmd).toBe(
        detectInteractive(cmd)?.program ?? null,
      );
    }
  });
});
