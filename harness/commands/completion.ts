// `codeflare-matrix completion bash|zsh|fish`: shell completion generated from the command tree
// (commander has none built in): commands, sub-commands, options, and the values of options that
// take a fixed set (-o, --strategy …); anything else completes file names.
import { Command, Option } from 'commander';
import { UserError } from '../../lib/errors.js';

const shells = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof shells)[number];

/** Every command below the root with its path (plan, toolchain/build …). */
function walk(c: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  return c.commands.flatMap((s) => [{ path: [...path, s.name()], cmd: s }, ...walk(s, [...path, s.name()])]);
}

const flags = (o: Option): string[] => [o.short, o.long].filter((f): f is string => !!f);
const visible = (c: Command): Option[] => c.options.filter((o) => !o.hidden);
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(root: Command): string {
  const name = root.name();
  const fn = `_${name.replace(/-/g, '_')}`;
  const nodes = [{ path: [] as string[], cmd: root }, ...walk(root)];
  const words = nodes.map(({ path, cmd }) => `    ${quote(path.join('/'))}) words=${quote([...cmd.commands.map((s) => s.name()), ...visible(cmd).flatMap(flags), '--help'].join(' '))} ;;`);
  const values = nodes.flatMap(({ path, cmd }) => visible(cmd).filter((o) => o.argChoices).map((o) => `    ${flags(o).map((f) => quote(`${path.join('/')}:${f}`)).join('|')}) words=${quote(o.argChoices!.join(' '))} ;;`));
  // options that take a file or a free value: nothing offered, the shell completes file names
  const free = nodes.flatMap(({ path, cmd }) => visible(cmd).filter((o) => (o.required || o.optional) && !o.argChoices).flatMap(flags).map((f) => quote(`${path.join('/')}:${f}`)));
  const paths = nodes.map(({ path }) => path.join('/')).filter(Boolean);
  return `# ${name} completion for bash: source <(npx ${name} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" path="" w words="" all=" ${paths.join(' ')} "
  [ "$COMP_CWORD" -gt 0 ] && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$all" in *" \${path:+$path/}$w "*) path="\${path:+$path/}$w" ;; esac
  done
  case "$path:$prev" in
${values.join('\n')}
    ${free.join('|')}) return 0 ;;
    *)
      case "$path" in
${words.map((l) => `  ${l}`).join('\n')}
      esac ;;
  esac
  mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}
complete -o default -F ${fn} ${name}
`;
}

function zsh(root: Command): string {
  // zsh runs the bash function through its bash-completion layer
  return `#compdef ${root.name()}
# ${root.name()} completion for zsh: source <(npx ${root.name()} completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(root).split('\n').slice(1).join('\n')}`;
}

function fish(root: Command): string {
  const name = root.name();
  const lines = [`# ${name} completion for fish: npx ${name} completion fish | source`, `complete -c ${name} -f`];
  for (const s of root.commands) lines.push(`complete -c ${name} -n __fish_use_subcommand -a ${s.name()} -d ${quote(s.description().split(/[:;(]/)[0]!.trim())}`);
  for (const { path, cmd } of walk(root)) {
    const at = path.length === 1 ? `__fish_seen_subcommand_from ${path[0]}` : `__fish_seen_subcommand_from ${path.at(-1)}`;
    for (const s of cmd.commands) lines.push(`complete -c ${name} -n ${quote(`__fish_seen_subcommand_from ${path.at(-1)}`)} -a ${s.name()} -d ${quote(s.description().split(/[:;(]/)[0]!.trim())}`);
    for (const o of visible(cmd)) {
      const parts = [`complete -c ${name} -n ${quote(at)}`, o.short ? `-s ${o.short.slice(1)}` : '', o.long ? `-l ${o.long.slice(2)}` : '', o.required || o.optional ? (o.argChoices ? `-x -a ${quote(o.argChoices.join(' '))}` : '-r -F') : '', `-d ${quote(o.description.split(/[:;(]/)[0]!.trim())}`];
      lines.push(parts.filter(Boolean).join(' '));
    }
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(root: Command, shell: Shell): string {
  return { bash, zsh, fish }[shell](root);
}

export function completionCommand(root: () => Command): Command {
  return new Command('completion')
    .description('print shell completion for bash, zsh or fish (commands, options, their fixed values)')
    .argument('<shell>', shells.join(', '))
    .addHelpText('after', `\nbash: source <(npx codeflare-matrix completion bash)   (or save it under ~/.local/share/bash-completion/completions/codeflare-matrix)\nzsh:  source <(npx codeflare-matrix completion zsh)\nfish: npx codeflare-matrix completion fish > ~/.config/fish/completions/codeflare-matrix.fish`)
    .action((shell: string) => {
      if (!(shells as readonly string[]).includes(shell)) throw new UserError(`no completion for shell "${shell}"`, 'completion', `one of: ${shells.join(', ')}`);
      process.stdout.write(completionScript(root(), shell as Shell));
    });
}
