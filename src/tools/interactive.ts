/**
 * Detects commands that would wait for a terminal: editors, pagers, bare REPLs, `git commit`
 * without a message, full-screen monitors, remote shells. The agent's persistent shell has no
 * terminal, so such a command hangs until its timeout, or reads an empty input and silently does
 * nothing (a bare `python3`), and either way wastes a step. We refuse them before running, with
 * a hint of what to do instead.
 *
 * The command is parsed as bash (tree-sitter-bash, see `shell-syntax.ts`) into the simple commands
 * it would run; only the program word of each is judged, never substrings, so `echo vim`,
 * `cat less.txt` or `git commit -m "fix vim"` pass. This file holds the rules.
 */
import { type ShellSyntax, type SimpleCommand, shellSyntax } from "./shell-syntax.js";

export interface InteractiveMatch {
  /** The program that was refused, e.g. `vim`, `python3`, `git commit`. */
  program: string;
  /** Why it cannot run here. */
  reason: string;
  /** What to do instead. */
  hint: string;
}

/** True when the command would run an interactive program (see `detectInteractive`). */
export function isInteractiveCommand(command: string): boolean {
  return detectInteractive(command) !== null;
}

/** The first interactive program the command would start, or null. */
export function detectInteractive(
  command: string,
  syntax: ShellSyntax = shellSyntax,
): InteractiveMatch | null {
  for (const cmd of syntax.simpleCommands(command)) {
    const match = judge(cmd);
    if (match) return match;
  }
  return null;
}

/** Formats a refusal for the model. */
export function describeRefusal(m: InteractiveMatch): string {
  return `Refused to run \`${m.program}\`: ${m.reason}. ${m.hint}`;
}

// ---------------------------------------------------------------------------------------------
// Judging one simple command

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Strips assignments and wrappers (`sudo`, `env`, `time`, `timeout 5`, `xargs -n 1`, …). */
function programWords(words: string[]): { words: string[]; assignments: string[] } {
  const assignments: string[] = [];
  let i = 0;
  for (;;) {
    const w = words[i];
    if (w === undefined) break;
    if (ASSIGNMENT.test(w)) {
      assignments.push(w);
      i++;
    } else if (["nohup", "exec", "command", "builtin", "time"].includes(w)) {
      i++;
      while (words[i]?.startsWith("-")) i++;
    } else if (w === "sudo" || w === "doas") {
      i++;
      while (words[i]?.startsWith("-")) {
        const opt = words[i]!;
        if (opt === "-i" || opt === "-s" || opt === "--login" || opt === "--shell") {
          return { words: ["sudo", opt], assignments };
        }
        i += ["-u", "-g", "-C", "-D", "-h", "-p", "-U"].includes(opt) ? 2 : 1;
      }
    } else if (w === "xargs") {
      i++;
      while (words[i]?.startsWith("-")) {
        i += ["-n", "-L", "-P", "-I", "-d", "-E", "-s", "-a"].includes(words[i]!) ? 2 : 1;
      }
    } else if (w === "env") {
      i++;
      while (words[i] !== undefined && (words[i]!.startsWith("-") || ASSIGNMENT.test(words[i]!))) {
        if (ASSIGNMENT.test(words[i]!)) assignments.push(words[i]!);
        i += words[i] === "-u" || words[i] === "-C" ? 2 : 1;
      }
    } else if (w === "nice" || w === "ionice" || w === "stdbuf") {
      i++;
      while (words[i]?.startsWith("-")) i += words[i] === "-n" || words[i] === "-c" ? 2 : 1;
    } else if (w === "timeout") {
      i++;
      while (words[i]?.startsWith("-")) i += words[i] === "-s" || words[i] === "-k" ? 2 : 1;
      i++; // the duration
    } else {
      break;
    }
  }
  return { words: words.slice(i), assignments };
}

function basename(p: string): string {
  const j = p.lastIndexOf("/");
  return j >= 0 ? p.slice(j + 1) : p;
}

const EDITORS = new Set([
  "vim",
  "vi",
  "nvim",
  "view",
  "vimdiff",
  "gvim",
  "nano",
  "pico",
  "emacs",
  "emacsclient",
  "joe",
  "micro",
  "mcedit",
  "ne",
  "jed",
  "kak",
  "hx",
]);
const PAGERS = new Set(["less", "more", "most", "pg"]);
const MONITORS = new Set([
  "top",
  "htop",
  "btop",
  "atop",
  "iotop",
  "nmon",
  "glances",
  "watch",
  "iftop",
  "nethogs",
]);
const REMOTE = new Set(["ssh", "telnet", "ftp", "sftp", "mosh", "rlogin"]);
const MULTIPLEXERS = new Set(["tmux", "screen", "byobu", "zellij"]);
const SHELLS = new Set(["bash", "sh", "zsh", "dash", "ksh", "fish", "tcsh", "csh"]);
const VERSION_FLAGS = new Set(["--version", "-V", "--help", "-h", "-version", "-help"]);

const EDIT_HINT = "Use the `editor` tool to view and edit files (or sed/heredocs in bash).";
const PAGER_HINT =
  "Print instead: `cat FILE`, `head -n 100 FILE`, `sed -n '100,200p' FILE`, or the `editor` view.";
const REPL_HINT =
  "Pass a script or code instead: `python3 script.py`, `python3 -c '...'`, or a heredoc (`python3 - <<'EOF' ... EOF`).";

/** Interpreters: which flags supply code (so the interpreter is not bare). */
const INTERPRETERS: Array<{ test: (name: string) => boolean; codeFlags: string[]; replFlags: string[] }> = [
  { test: (n) => /^(python|pypy)(\d+(\.\d+)?)?$/.test(n), codeFlags: ["-c", "-m"], replFlags: ["-i"] },
  {
    test: (n) => n === "node" || n === "nodejs",
    codeFlags: ["-e", "--eval", "-p", "--print", "--test"],
    replFlags: ["-i", "--interactive"],
  },
  { test: (n) => n === "ruby" || n === "perl", codeFlags: ["-e", "-E", "-n", "-p"], replFlags: [] },
  { test: (n) => n === "php", codeFlags: ["-r", "-f", "-l", "-S"], replFlags: ["-a"] },
  { test: (n) => /^lua(\d+(\.\d+)?)?$/.test(n) || n === "luajit", codeFlags: ["-e"], replFlags: ["-i"] },
  { test: (n) => n === "R", codeFlags: ["-e", "-f", "--file"], replFlags: [] },
  {
    test: (n) =>
      n === "ghci" ||
      n === "scala" ||
      n === "irb" ||
      n === "ipython" ||
      n === "ipython3" ||
      n === "jshell" ||
      n === "julia" ||
      n === "clojure" ||
      n === "bc",
    codeFlags: ["-e", "-c", "--eval"],
    replFlags: ["-i"],
  },
];

function positionals(args: string[]): string[] {
  return args.filter((a) => !a.startsWith("-"));
}

function judge(cmd: SimpleCommand): InteractiveMatch | null {
  const { words, assignments } = programWords([...cmd.assignments, ...cmd.words]);
  const first = words[0];
  if (first === undefined) return null;
  const name = basename(first);
  const args = words.slice(1);
  const stdinFree = !cmd.pipeIn && !cmd.stdinRedirected;

  if (name === "sudo") {
    return {
      program: `sudo ${args[0]}`,
      reason: "it starts an interactive login shell",
      hint: "Run the command directly.",
    };
  }
  if (EDITORS.has(name)) {
    // Batch modes do not need a terminal.
    if (name === "emacs" && args.some((a) => a === "--batch" || a === "-batch" || a === "--script"))
      return null;
    if (
      (name === "vim" || name === "vi" || name === "nvim") &&
      args.some((a) => a === "-es" || a === "-Es")
    ) {
      return null;
    }
    return {
      program: name,
      reason: "interactive editors need a terminal, and there is none",
      hint: EDIT_HINT,
    };
  }
  if (PAGERS.has(name)) {
    return { program: name, reason: "pagers wait for keystrokes", hint: PAGER_HINT };
  }
  if (name === "man" || name === "info") {
    if (cmd.pipeOut) return null; // man writes plain text into a pipe
    return {
      program: name,
      reason: "it opens a pager",
      hint: `Use \`${name} TOPIC | col -b | head -n 100\` or \`COMMAND --help\`.`,
    };
  }
  if (MONITORS.has(name)) {
    if (name === "top" && args.some((a) => /^-[a-zA-Z]*b/.test(a))) return null; // batch mode
    return {
      program: name,
      reason: "it redraws the screen until stopped",
      hint:
        name === "watch"
          ? "Run the command once (or in a bounded loop with sleep)."
          : "Use `ps aux` or `top -b -n 1`.",
    };
  }
  if (
    name === "tail" &&
    args.some((a) => a === "-f" || a === "-F" || a === "--follow" || /^-[a-zA-Z0-9]*[fF]/.test(a))
  ) {
    return {
      program: "tail -f",
      reason: "following a file never ends",
      hint: "Use `tail -n 100 FILE` (repeat it later to see more).",
    };
  }
  if (REMOTE.has(name)) {
    return {
      program: name,
      reason: "remote sessions are not available in the sandbox",
      hint: "Work in the local checkout.",
    };
  }
  if (MULTIPLEXERS.has(name)) {
    return {
      program: name,
      reason: "terminal multiplexers need a terminal",
      hint: "Run long commands in the background: `CMD > /tmp/out.log 2>&1 &`.",
    };
  }
  if (name === "su" && positionals(args).length <= 1 && !args.includes("-c")) {
    return { program: "su", reason: "it starts an interactive shell", hint: "Run the command directly." };
  }
  if (name === "git") return judgeGit(args, assignments);
  if (name === "crontab" && args.includes("-e")) {
    return { program: "crontab -e", reason: "it opens an editor", hint: "Use `crontab FILE`." };
  }
  if ((name === "gdb" || name === "lldb") && !args.some((a) => a === "-batch" || a === "--batch")) {
    return {
      program: name,
      reason: "debuggers are interactive",
      hint: `Use \`${name} -batch -ex run -ex bt --args PROGRAM\`.`,
    };
  }
  if (/^(python|pypy)(\d+(\.\d+)?)?$/.test(name)) {
    const m = args.indexOf("-m");
    const mod = m >= 0 ? args[m + 1] : undefined;
    if (mod === "pdb" || mod === "ipdb" || mod === "code") {
      return {
        program: `${name} -m ${mod}`,
        reason: "interactive debuggers and consoles wait for input",
        hint: "Add prints or asserts, or run the code with `python3 -c`.",
      };
    }
  }
  if (SHELLS.has(name)) {
    const interactive = args.includes("-i") || args.includes("-s");
    const hasScript = args.includes("-c") || positionals(args).length > 0;
    if (interactive || (!hasScript && stdinFree)) {
      return {
        program: name,
        reason: "a bare shell reads commands from the terminal",
        hint: `You are already in a shell; run commands directly, or use \`${name} -c '...'\` or \`${name} script.sh\`.`,
      };
    }
    return null;
  }
  for (const interp of INTERPRETERS) {
    if (!interp.test(name)) continue;
    if (args.some((a) => VERSION_FLAGS.has(a) || (name.startsWith("node") && a === "-v"))) return null;
    if (args.some((a) => interp.replFlags.includes(a))) {
      return { program: name, reason: "it starts an interactive session", hint: REPL_HINT };
    }
    const hasCode =
      args.some((a) =>
        interp.codeFlags.some((f) => a === f || (f.length === 2 && a.startsWith(f) && !a.startsWith("--"))),
      ) || positionals(args).some((a) => a !== "-");
    if (name === "irb" || name === "ipython" || name === "ipython3") {
      if (positionals(args).length > 0 || args.includes("-c")) return null;
      return { program: name, reason: "it is an interactive shell", hint: REPL_HINT };
    }
    if (!hasCode && stdinFree) {
      return { program: name, reason: "without a script it starts an interactive session", hint: REPL_HINT };
    }
    return null;
  }
  if (["sqlite3", "psql", "mysql", "mongo", "mongosh", "redis-cli"].includes(name)) {
    const hasCode = args.some((a) =>
      ["-c", "-e", "--command", "--execute", "--eval", "-f", "--file"].includes(a),
    );
    const sqliteSql = name === "sqlite3" && positionals(args).length >= 2;
    const redisCmd = name === "redis-cli" && positionals(args).length >= 1;
    if (!hasCode && !sqliteSql && !redisCmd && stdinFree) {
      return {
        program: name,
        reason: "without a query it starts an interactive client",
        hint: `Pass the query as an argument (e.g. \`sqlite3 db.sqlite 'SELECT 1'\`, \`psql -c '...'\`) or by a heredoc.`,
      };
    }
    return null;
  }
  // `cat` with no file reads standard input, which here is empty: `cat > FILE` would silently
  // write an empty file. (The shell's stdin is /dev/null, so `read` and friends just get EOF.)
  if (name === "cat" && positionals(args).length === 0 && stdinFree) {
    return {
      program: "cat",
      reason: "with no file it reads standard input, which is empty here",
      hint: "To write a file use a heredoc (`cat > FILE <<'EOF' ... EOF`) or the `editor` create command.",
    };
  }
  return null;
}

function judgeGit(args: string[], assignments: string[]): InteractiveMatch | null {
  // Skip git's global options to reach the subcommand.
  let i = 0;
  let editorConfigured = assignments.some(
    (a) => a.startsWith("GIT_EDITOR=") || a.startsWith("EDITOR=") || a.startsWith("GIT_SEQUENCE_EDITOR="),
  );
  while (i < args.length && args[i]!.startsWith("-")) {
    const opt = args[i]!;
    if (opt === "-c" && /^core\.editor=|^sequence\.editor=/.test(args[i + 1] ?? "")) editorConfigured = true;
    i +=
      opt === "-C" || opt === "-c" || opt === "--git-dir" || opt === "--work-tree" || opt === "--namespace"
        ? 2
        : 1;
  }
  const sub = args[i];
  const rest = args.slice(i + 1);
  if (sub === undefined) return null;
  const has = (...flags: string[]) =>
    rest.some((a) => flags.some((f) => a === f || (f.startsWith("--") && a.startsWith(`${f}=`))));
  const shortFlag = (letter: string) =>
    rest.some((a) => /^-[a-zA-Z]+$/.test(a) && a.slice(1).includes(letter));

  const patchModes: Record<string, true> = {
    add: true,
    checkout: true,
    reset: true,
    stash: true,
    restore: true,
    commit: true,
  };
  if (
    patchModes[sub] &&
    (has("--patch", "--interactive") || rest.includes("-p") || (sub === "add" && rest.includes("-i")))
  ) {
    return {
      program: `git ${sub} -p`,
      reason: "interactive hunk selection waits for keystrokes",
      hint: `Name the files instead (\`git ${sub} FILE\`), or edit files directly.`,
    };
  }
  if (editorConfigured) return null;
  if (sub === "commit") {
    const messageGiven =
      has("--message", "--file", "--reuse-message", "--no-edit", "--fixup") ||
      rest.some((a) => /^-[a-zA-Z]*[mFC]/.test(a) && !a.startsWith("--"));
    if (!messageGiven) {
      return {
        program: "git commit",
        reason: "without a message it opens an editor",
        hint: 'Use `git commit -m "message"` (committing is usually unnecessary: the patch is the diff against the base).',
      };
    }
    return null;
  }
  if (sub === "rebase" && (has("--interactive") || shortFlag("i"))) {
    return {
      program: "git rebase -i",
      reason: "it opens an editor",
      hint: "Use a non-interactive rebase, or edit files directly.",
    };
  }
  if (
    (sub === "rebase" || sub === "cherry-pick" || sub === "revert" || sub === "merge") &&
    has("--continue")
  ) {
    return {
      program: `git ${sub} --continue`,
      reason: "it may open an editor for the commit message",
      hint: `Use \`GIT_EDITOR=true git ${sub} --continue\`.`,
    };
  }
  if (
    sub === "tag" &&
    (shortFlag("a") || shortFlag("s") || has("--annotate", "--sign")) &&
    !has("--message", "--file") &&
    !shortFlag("m") &&
    !shortFlag("F")
  ) {
    return {
      program: "git tag -a",
      reason: "without a message it opens an editor",
      hint: 'Use `git tag -a NAME -m "message"`.',
    };
  }
  if (sub === "config" && (has("--edit") || rest.includes("-e"))) {
    return {
      program: "git config --edit",
      reason: "it opens an editor",
      hint: "Use `git config KEY VALUE`.",
    };
  }
  return null;
}
