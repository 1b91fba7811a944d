/**
 * What deploy/Dockerfile puts in the image, read from the Dockerfile itself, so that a container
 * can be started from this checkout as Kubernetes would start it from the image: the final
 * stage's ENTRYPOINT, its ENV, and where each path under its WORKDIR comes from (a COPY from the
 * repository or from the build stage, whose WORKDIR holds a built copy of the repository, or
 * `npm ci`'s node_modules). A path the image does not have is an error: the pod could not run it.
 */
import { readFileSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { REPO } from './helm';

export interface ContainerImage {
  readonly entrypoint: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The local file or directory an absolute path inside the image corresponds to. */
  localPath(imagePath: string): string;
}

interface Stage {
  readonly name?: string;
  workdir: string;
  entrypoint: string[];
  env: Record<string, string>;
  /** image path -> repository path */
  files: Map<string, string>;
}

export function readContainerImage(dockerfile = resolve(REPO, 'deploy/Dockerfile')): ContainerImage {
  // Continuation lines joined, comments dropped.
  const instructions = readFileSync(dockerfile, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of instructions) {
    const [instruction, ...rest] = line.split(/\s+/);
    const argument = line.slice(instruction.length).trim();
    const stage = stages.at(-1);
    switch (instruction.toUpperCase()) {
      case 'FROM':
        stages.push({ name: /\sAS\s+(\S+)/i.exec(line)?.[1], workdir: '/', entrypoint: [], env: {}, files: new Map() });
        break;
      case 'WORKDIR':
        if (stage) stage.workdir = posix.resolve(stage.workdir, argument);
        break;
      case 'ENV':
        for (const pair of rest) {
          const [k, ...v] = pair.split('=');
          if (stage) stage.env[k] = v.join('=');
        }
        break;
      case 'ENTRYPOINT':
        if (stage) stage.entrypoint = JSON.parse(argument) as string[];
        break;
      case 'RUN':
        // `npm ci` in the image: its node_modules are this checkout's (which has the dev ones too).
        if (stage && /\bnpm ci\b/.test(argument)) stage.files.set(posix.join(stage.workdir, 'node_modules'), resolve(REPO, 'node_modules'));
        break;
      case 'COPY': {
        if (!stage) break;
        const from = rest.find((word) => word.startsWith('--from='))?.slice('--from='.length);
        const paths = rest.filter((word) => !word.startsWith('--'));
        const given = paths.pop() ?? '.';
        const destination = posix.resolve(stage.workdir, given);
        const source = from ? stages.find((s) => s.name === from) : undefined;
        for (const path of paths) {
          // The build stage copied the repository into its WORKDIR and built it there.
          const relative = source ? posix.relative(source.workdir, posix.resolve(source.workdir, path)) : path;
          if (relative.startsWith('..')) throw new Error(`COPY --from=${from} ${path}: outside the build stage's WORKDIR`);
          const target = paths.length > 1 || given.endsWith('/') ? posix.join(destination, posix.basename(path)) : destination;
          stage.files.set(target, resolve(REPO, relative));
        }
        break;
      }
      default:
        break;
    }
  }
  const final = stages.at(-1);
  if (!final) throw new Error(`${dockerfile}: no FROM`);
  return {
    entrypoint: final.entrypoint,
    env: final.env,
    localPath: (imagePath) => {
      const owner = [...final.files.keys()].filter((p) => imagePath === p || imagePath.startsWith(`${p}/`)).sort((a, b) => b.length - a.length)[0];
      if (!owner) throw new Error(`${imagePath} is not in the image (${dockerfile} copies ${[...final.files.keys()].join(', ')})`);
      return resolve(final.files.get(owner) as string, posix.relative(owner, imagePath));
    },
  };
}
