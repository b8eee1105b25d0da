import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunnerInput } from '@loam/contracts';
import { ArchiveRefused, extractTarGz } from './archive-extract.js';
import { download, parseS3, type Artifacts } from './artifacts.js';
import type { ContractDir } from './contract-dir.js';
import { rerootOptMl } from './contract-dir.js';
import { decodeValue, userArgs, userHyperparameters } from './sm-env.js';
import { ClientError } from './stage-inputs.js';

/** The process to start for the job's image. */
export interface ImageCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Built-in images report metrics as JSON lines on fd 3. */
  readonly metricsFd: boolean;
}

/**
 * A module of this workspace as a runnable Node script: `relative` to `from` (the caller's
 * `import.meta.url`), the `.js` build when the caller runs built, or, when it runs from TypeScript
 * sources (tests, `--conditions=loam-src`), the `.ts` file under tsx with the workspace's condition.
 */
export function workspaceScript(relative: string, from: string): { command: string; args: string[] } {
  const fromSource = fileURLToPath(from).endsWith('.ts');
  const path = fileURLToPath(new URL(`${relative}${fromSource ? '.ts' : '.js'}`, from));
  if (!fromSource) return { command: process.execPath, args: [path] };
  // Sources run under tsx with the workspace's `loam-src` condition (the repository's own node_modules).
  const tsx = fileURLToPath(new URL('../../../../node_modules/tsx/dist/loader.mjs', import.meta.url));
  return { command: process.execPath, args: ['--conditions=loam-src', '--import', pathToFileURL(tsx).href, path] };
}

/** A module of this package as a runnable script ({@link workspaceScript} from here). */
export function ownScript(relative: string): { command: string; args: string[] } {
  return workspaceScript(relative, import.meta.url);
}

/**
 * The script-mode launcher (`images/python/loam_script_launcher.py`): installs the code directory (its
 * `setup.py` as a package, else its `requirements.txt`) with pip into a virtual environment of the job
 * that sees the interpreter's own packages, then runs the program (`program.py`) or the package's module
 * (`-m module`) in it. Sources and the build both keep
 * the .py under `src/`.
 */
export function scriptLauncher(): string {
  return fileURLToPath(new URL('../../src/images/python/loam_script_launcher.py', import.meta.url));
}

const pythonNames = new Set(['python', 'python3', '/usr/bin/python', '/usr/bin/python3', '/usr/local/bin/python', '/usr/local/bin/python3', '/opt/conda/bin/python']);

/** Fetches and unpacks `sourcedir.tar.gz` into the code directory (see extractTarGz). */
async function fetchSource(store: Artifacts, uri: string, dir: ContractDir, signal?: AbortSignal): Promise<void> {
  const archive = join(dir.root, '..', 'sourcedir.tar.gz');
  try {
    await download(store, parseS3(uri), archive, false, signal);
  } catch (e) {
    if ((e as { code?: string }).code === 'ResourceNotFound') throw new ClientError(`sagemaker_submit_directory '${uri}' does not exist.`);
    throw e;
  }
  try {
    await extractTarGz(archive, dir.codeDir);
  } catch (e) {
    if (e instanceof ArchiveRefused) throw new ClientError(`sagemaker_submit_directory '${uri}' was refused: ${e.message}.`);
    throw new ClientError(`sagemaker_submit_directory '${uri}' is not a readable .tar.gz archive: ${(e as Error).message}`);
  } finally {
    rmSync(archive, { force: true });
  }
}

/**
 * What to run for the job's image: a built-in algorithm (this package's `images/builtin-main`),
 * script mode (the user's `sagemaker_program` from `sagemaker_submit_directory`, with the configured
 * Python and `--key value` arguments; the program runs as a module, `python -m`, in a code directory with
 * `setup.py` and always on the XGBoost image, as their containers do; {@link scriptLauncher} installs
 * the code directory first when it has `setup.py` or `requirements.txt`), or a process image /
 * framework entrypoint. `ContainerEntrypoint`
 * replaces the command and `ContainerArguments` the arguments; `python`/`python3` mean the configured
 * interpreter, and `/opt/ml/…` paths in them are re-rooted in the job's directory.
 */
export async function imageCommand(input: RunnerInput, dir: ContractDir, store: Artifacts, signal?: AbortSignal): Promise<ImageCommand> {
  const { spec } = input;
  const image = spec.image;
  const reroot = (a: string) => rerootOptMl(dir.root, a);
  const py = (c: string) => (pythonNames.has(c) ? input.python : c);
  if (spec.entrypoint) {
    const [cmd, ...rest] = spec.entrypoint.map(reroot);
    const args = [...rest, ...(spec.arguments ?? (spec.kind === 'training-job' ? ['train'] : [])).map(reroot)];
    return { command: py(cmd as string), args, cwd: dir.root, env: image.type === 'process' ? { ...(image.env ?? {}) } : {}, metricsFd: false };
  }
  if (image.type === 'builtin') {
    const s = ownScript('../images/builtin-main');
    return { command: s.command, args: [...s.args, image.algorithm], cwd: dir.root, env: { LOAM_OPT_ML: dir.root }, metricsFd: true };
  }
  if (image.type === 'script') {
    const hp = spec.hyperParameters;
    const submit = hp['sagemaker_submit_directory'] !== undefined ? String(decodeValue(hp['sagemaker_submit_directory'])) : '';
    if (submit) await fetchSource(store, submit, dir, signal);
    const program = String(decodeValue(hp['sagemaker_program'] ?? ''));
    const path = join(dir.codeDir, program);
    const hasSetup = existsSync(join(dir.codeDir, 'setup.py'));
    const isPython = program.endsWith('.py');
    // How the program runs is what the framework's container does. scikit-learn (sagemaker-training-toolkit,
    // entry_point.run, by _entry_point_type.get in its order): a `.sh` program is a command; in a code
    // directory with setup.py any other program names a module of the package, run as `python -m
    // <program without .py>` once the package is installed (so `trainer.task` and relative imports work);
    // otherwise a `.py` file is a program. XGBoost (sagemaker-containers, modules.run_module): always the
    // module `python -m <program without .py>`, a `.sh` program too (`python -m train.sh`, which Python
    // cannot import, so the job fails there): refused here with the reason instead.
    if (image.framework === 'xgboost' && program.endsWith('.sh')) {
      throw new ClientError(
        `sagemaker_program '${program}' cannot run on the XGBoost image: its container runs every program as a Python module (python -m ${program}), so a shell script fails there. Give a Python program (e.g. train.py), or use the scikit-learn image, whose training toolkit runs a .sh program as a command.`,
      );
    }
    const asModule = program !== '' && !program.endsWith('.sh') && (hasSetup || image.framework === 'xgboost');
    // A program file must be there, unless a package (setup.py) may provide the module.
    if ((!asModule || (!hasSetup && isPython)) && (!resolve(path).startsWith(resolve(dir.codeDir) + sep) || !existsSync(path))) {
      throw new ClientError(`sagemaker_program '${program}' was not found in ${submit ? `the source directory ${submit}` : 'the job (no sagemaker_submit_directory was given)'}.`);
    }
    const args = spec.arguments ? spec.arguments.map(reroot) : userArgs(userHyperparameters(hp));
    const env = { PYTHONPATH: dir.codeDir, PYTHONUNBUFFERED: '1' };
    // A Python program's code directory is installed first by the launcher (setup.py as a package, else
    // requirements.txt), as the toolkits do; not for other commands.
    const launcher = hasSetup || existsSync(join(dir.codeDir, 'requirements.txt')) ? [scriptLauncher()] : [];
    if (asModule) return { command: input.python, args: [...launcher, '-m', program.replace(/\.py$/, ''), ...args], cwd: dir.codeDir, env, metricsFd: false };
    return { command: isPython ? input.python : path, args: isPython ? [...launcher, program, ...args] : args, cwd: dir.codeDir, env, metricsFd: false };
  }
  if (!image.command) throw new ClientError(`Image '${image.uri}' has no command: give a ContainerEntrypoint.`);
  mkdirSync(dir.root, { recursive: true });
  const base = [...(image.args ?? [])].map(reroot);
  // The declared command and args act as the image's ENTRYPOINT: ContainerArguments (or `train`) follow them.
  const args = [...base, ...(spec.arguments ?? (spec.kind === 'training-job' ? ['train'] : [])).map(reroot)];
  return { command: py(image.command), args, cwd: dir.root, env: { ...(image.env ?? {}) }, metricsFd: false };
}
