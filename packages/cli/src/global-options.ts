import { Option, type Command } from 'commander';

/**
 * Makes the program's options (`--endpoint`, `--token`, `--data-dir`, `--profile`, `--json`) work after a
 * command as well as before it: `loam get-caller-identity --data-dir d` as `loam --data-dir d get-caller-identity`.
 * The program parses positionally (its options end at the command's name, so a command may have an option of
 * the same name, as `up --data-dir` does), so each command that does not declare an option of the same name
 * is given a hidden copy, and the value given there is copied into the program's options, which the commands
 * read. Call it after every command is registered.
 */
export function shareGlobalOptions(program: Command): void {
  const globals = program.options.filter((o) => o.long !== '--help' && o.long !== '--version');
  const copies = new Map<Command, string[]>();
  const visit = (cmd: Command): void => {
    // Settings are copied to a command when it is made, so this one is set on each.
    cmd.configureHelp({ ...cmd.configureHelp(), showGlobalOptions: true });
    if (cmd.commands.length) {
      cmd.commands.forEach(visit);
      return;
    }
    const added: string[] = [];
    for (const g of globals) {
      if (cmd.options.some((o) => o.long === g.long)) continue;
      // No default on the copy: the program's default stays in force unless the option is given here.
      cmd.addOption(new Option(g.flags, g.description).hideHelp());
      added.push(g.attributeName());
    }
    copies.set(cmd, added);
  };
  program.commands.forEach(visit);
  program.hook('preAction', (_program, action) => {
    for (const key of copies.get(action) ?? []) {
      if (action.getOptionValueSource(key) === 'cli') program.setOptionValueWithSource(key, action.getOptionValue(key), 'cli');
    }
  });
}
