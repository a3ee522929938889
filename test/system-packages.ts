/**
 * Debian packages some suites use as reference implementations or real components. A suite whose
 * package is missing fails with the line that installs it: never a silent skip, which would let a
 * machine without the package pass without checking anything.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface SystemPackage {
  /** Debian package name(s) to install. */
  debian: string[];
  /** True when the package is usable here. */
  present: () => boolean;
}

const pythonImports = (module: string) => (): boolean =>
  spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
const onPath = (command: string, arg = '--version') => (): boolean => spawnSync(command, [arg], { stdio: 'ignore' }).status === 0;

export const PACKAGES = {
  onnx: { debian: ['python3-onnx'], present: pythonImports('onnx') },
  onnxTestdata: { debian: ['libonnx-testdata'], present: () => existsSync('/usr/share/libonnx-testdata/data') },
  awscli: { debian: ['awscli'], present: onPath('aws') },
  chromium: { debian: ['chromium'], present: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') },
  torch: { debian: ['python3-torch'], present: pythonImports('torch') },
  protobuf: {
    debian: ['protobuf-compiler', 'libprotobuf-dev', 'python3-protobuf'],
    present: () => onPath('protoc')() && existsSync('/usr/include/google/protobuf/descriptor.proto') && pythonImports('google.protobuf')(),
  },
} satisfies Record<string, SystemPackage>;

/** Throws, naming the `apt-get install` line, when one of `packages` is missing. */
export function requirePackages(what: string, ...packages: SystemPackage[]): void {
  const missing = packages.filter((p) => !p.present()).flatMap((p) => p.debian);
  if (missing.length > 0) {
    throw new Error(
      `${what} needs the Debian package(s) ${missing.join(', ')}: ` +
        `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')} (or run .ci/run, which installs them)`,
    );
  }
}
