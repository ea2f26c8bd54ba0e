// `divio-tui completion bash|zsh|fish`: a completion script made from the command table. One core in
// portable sh (bash and zsh run it as a function, fish through `sh -c`) finds the command and the
// slot being typed and prints its candidates: commands, options per command, option values (choices,
// files), and application and environment slugs read from a small cache file in the state directory
// (written by the console and the commands that list the fleet, see slugcache.ts): nothing is asked
// of the network while typing.
import type { CommandSpec, Options, ParsedArgs } from './args.js';
import { optionsOf } from './args.js';
import { COMMANDS, CONSOLE } from './commands.js';
import { SESSION_OPTIONS } from './connect-options.js';
import { SLUG_CACHE_NAME } from './slugcache.js';

type Shell = 'bash' | 'zsh' | 'fish';

/** A word in single quotes for sh. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function visible(o: Options): [string, Options[string]][] {
  return Object.entries(o).filter(([, x]) => !x.hidden);
}

function optionWords(spec: CommandSpec): string[] {
  return visible(optionsOf(spec, SESSION_OPTIONS)).flatMap(([k, o]) => (o.short ? [`--${k}`, `-${o.short}`] : [`--${k}`]));
}

/** What the value of an option completes to, as a line of the core's `case`. */
function valueAction(o: Options[string]): string | null {
  if (o.choices) return `printf '%s\\n' ${o.choices.map(q).join(' ')}`;
  if (o.complete === 'file') return 'echo __FILES__';
  if (o.complete === 'app') return '__divio_tui_slugs';
  if (o.complete === 'env') return '__divio_tui_slugs "$app"';
  if (o.complete === 'confirm') return '__divio_tui_confirm';
  if (o.complete === 'command') return '__divio_tui_commands';
  return null;
}

/** The core: `__divio_tui_candidates CWORD WORD0 WORD1 …` prints the candidates for WORD[CWORD], one a line. */
export function completionCore(): string {
  const all = [CONSOLE, ...COMMANDS];
  const valueOpts = new Set<string>();
  for (const c of all) {
    for (const [k, o] of Object.entries(optionsOf(c, SESSION_OPTIONS))) {
      if (o.type !== 'string') continue;
      valueOpts.add(`--${k}`);
      if (o.short) valueOpts.add(`-${o.short}`);
    }
  }
  const firstWords = [...new Set(COMMANDS.map((c) => c.name.split(' ')[0]!))];
  const twoWords = COMMANDS.filter((c) => c.name.includes(' '));
  const cmdKey = (c: CommandSpec) => q(c.name);

  // option → command → what its value completes to (options without one complete to nothing)
  const actions = new Map<string, Map<string, string>>();
  for (const c of all) {
    for (const [k, o] of Object.entries(optionsOf(c, SESSION_OPTIONS))) {
      const act = o.type === 'string' ? valueAction(o) : null;
      if (!act) continue;
      for (const f of [`--${k}`, ...(o.short ? [`-${o.short}`] : [])]) {
        const m = actions.get(f) ?? new Map<string, string>();
        m.set(c.name, act);
        actions.set(f, m);
      }
    }
  }
  const valueCases: string[] = [];
  for (const [f, m] of actions) {
    const acts = new Set(m.values());
    const havers = all.filter((c) => Object.keys(optionsOf(c, SESSION_OPTIONS)).includes(f.replace(/^--/, ''))).length;
    if (acts.size === 1 && m.size === havers) valueCases.push(`      *${q(`|${f}`)}) ${[...acts][0]} ;;`);
    else for (const [cmd, act] of m) valueCases.push(`      ${q(`${cmd}|${f}`)}) ${act} ;;`);
  }
  const optionCases = all.map((c) => `      ${cmdKey(c)}) printf '%s\\n' ${optionWords(c).join(' ')} ;;`);
  const posCases: string[] = [];
  for (const c of COMMANDS) {
    (c.args ?? []).forEach((a, i) => {
      if (a.afterDashes) return;
      const idx = a.rest ? '*' : String(i);
      const act = a.choices ? `printf '%s\\n' ${a.choices.map(q).join(' ')}` : a.complete === 'app' ? '__divio_tui_slugs' : a.complete === 'env' ? '__divio_tui_slugs "$app"' : a.complete === 'command' ? '__divio_tui_commands' : ':';
      if (act !== ':') posCases.push(`      ${q(`${c.name}|`)}${idx}) ${act} ;;`);
    });
  }
  // the second words of two-word commands, offered where the first word's first argument goes
  const subCases = [...new Set(twoWords.map((c) => c.name.split(' ')[0]!))].map(
    (w) => `      ${q(w)}) printf '%s\\n' ${twoWords.filter((c) => c.name.startsWith(`${w} `)).map((c) => q(c.name.split(' ')[1]!)).join(' ')} ;;`,
  );

  return `# application and environment slugs: "APP ENV ENV …" a line, kept by divio-tui (never the network)
__divio_tui_slugs() {
  local f a rest e
  # the state directory as stateDir (src/statefile) finds it: an absolute XDG_STATE_HOME, else ~/.local/state
  case \${XDG_STATE_HOME:-} in /*) f=$XDG_STATE_HOME ;; *) f=$HOME/.local/state ;; esac
  f="$f/divio-tui/${SLUG_CACHE_NAME}"
  [ -r "$f" ] || return 0
  while read -r a rest; do
    case $a in ''|*[!A-Za-z0-9._-]*) continue ;; esac
    if [ -z "$1" ]; then printf '%s\\n' "$a"
    elif [ "$a" = "$1" ]; then
      for e in $rest; do case $e in *[!A-Za-z0-9._-]*) ;; *) printf '%s\\n' "$e" ;; esac; done
    fi
  done < "$f"
}
__divio_tui_confirm() {
  local a e
  if [ -n "$app" ] && [ -n "$env" ]; then printf '%s\\n' "$app@$env"; return; fi
  for a in $(if [ -n "$app" ]; then echo "$app"; else __divio_tui_slugs; fi); do
    for e in $(__divio_tui_slugs "$a"); do printf '%s\\n' "$a@$e"; done
  done
}
__divio_tui_commands() {
  printf '%s\\n' ${firstWords.map(q).join(' ')}
}
__divio_tui_candidates() {
  if [ -n "\${ZSH_VERSION:-}" ]; then emulate -L sh; fi
  local cword n w cmd npos app env pending dashdash cur
  cword=$1; shift; shift
  n=1; cmd=; npos=0; app=; env=; pending=; dashdash=
  while [ "$n" -lt "$cword" ] && [ $# -gt 0 ]; do
    w=$1; shift; n=$((n + 1))
    if [ -n "$pending" ]; then pending=; continue; fi
    if [ -n "$dashdash" ]; then continue; fi
    case $w in
      --) dashdash=1; continue ;;
      --*=*) continue ;;
      -?*) case ' ${[...valueOpts].join(' ')} ' in *" $w "*) pending=$w ;; esac; continue ;;
    esac
    if [ -z "$cmd" ]; then cmd=$w; continue; fi
    if [ "$npos" -eq 0 ]; then
      case "$cmd $w" in ${twoWords.length ? twoWords.map((c) => q(c.name)).join('|') : "''"}) cmd="$cmd $w"; continue ;; esac
    fi
    case $npos in 0) app=$w ;; 1) env=$w ;; esac
    npos=$((npos + 1))
  done
  cur=\${1:-}
  [ -n "$dashdash" ] && return 0
  if [ -n "$pending" ]; then
    case "$cmd|$pending" in
${valueCases.join('\n')}
    esac
    return 0
  fi
  case $cur in
    -*)
      case $cmd in
${optionCases.join('\n')}
      esac
      return 0 ;;
  esac
  if [ -z "$cmd" ]; then __divio_tui_commands; return 0; fi
  if [ "$npos" -eq 0 ]; then
    case $cmd in
${subCases.join('\n')}
    esac
  fi
  case "$cmd|$npos" in
${posCases.join('\n')}
  esac
}
`;
}

export function completionScript(shell: Shell): string {
  const core = completionCore();
  if (shell === 'bash')
    return `# divio-tui completion for bash. Install: divio-tui completion bash > ~/.local/share/bash-completion/completions/divio-tui
# (or add \`source <(divio-tui completion bash)\` to ~/.bashrc)
${core}
_divio_tui() {
  local cur c
  cur=\${COMP_WORDS[COMP_CWORD]}
  COMPREPLY=()
  while IFS= read -r c; do
    if [ "$c" = __FILES__ ]; then
      compopt -o filenames 2>/dev/null
      while IFS= read -r c; do COMPREPLY+=("$c"); done < <(compgen -f -- "$cur")
      return 0
    fi
    [[ $c == "$cur"* ]] && COMPREPLY+=("$c")
  done < <(__divio_tui_candidates "$COMP_CWORD" "\${COMP_WORDS[@]}")
  return 0
}
complete -F _divio_tui divio-tui
`;
  if (shell === 'zsh')
    return `#compdef divio-tui
# divio-tui completion for zsh. Install: add \`source <(divio-tui completion zsh)\` to ~/.zshrc after compinit
# (or save it as _divio-tui in a directory of $fpath)
${core}
_divio_tui() {
  local -a c
  c=("\${(@f)$(__divio_tui_candidates $((CURRENT - 1)) "\${words[@]}")}")
  if [[ "\${c[1]}" == __FILES__ ]]; then _files; return; fi
  c=("\${(@)c:#}")
  (( \${#c} )) && compadd -- "\${c[@]}"
}
if [[ "\${funcstack[1]}" == _divio_tui || "\${funcstack[1]}" == _divio-tui ]]; then _divio_tui "$@"; else compdef _divio_tui divio-tui; fi
`;
  // fish runs the same core with sh
  const fishQuoted = `'${core.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `# divio-tui completion for fish. Install: divio-tui completion fish > ~/.config/fish/completions/divio-tui.fish
set -g __divio_tui_core ${fishQuoted}
function __divio_tui_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l out (sh -c "$__divio_tui_core"'
__divio_tui_candidates "$@"' sh (count $words) $words $cur)
    if test "$out[1]" = __FILES__
        __fish_complete_path $cur
    else
        printf '%s\\n' $out
    end
end
complete -c divio-tui -f -a '(__divio_tui_complete)'
`;
}

export async function runCompletion(a: ParsedArgs): Promise<number> {
  process.stdout.write(completionScript(a.positionals[0] as Shell));
  return 0;
}
