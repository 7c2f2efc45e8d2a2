/**
 * Runs Parley's OCI image (dist/image/parley-oci, from `npm run image`) the way a container
 * runtime would: `umoci unpack` turns the layout into a runtime bundle, and `runc run` starts it as
 * the image's non-root user with a read-only root file system, tmpfs on /tmp and /data, no
 * capabilities, in its own pid/mount/ipc/uts namespaces. It shares the host's network namespace
 * so the test reaches it (and it reaches the test infrastructure) on loopback.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './parley-process';

export const IMAGE_LAYOUT = join(REPO_ROOT, 'dist', 'image', 'parley-oci');

interface RuntimeSpec {
  process: { terminal: boolean; user: { uid: number; gid: number }; args: string[]; env: string[]; cwd: string; capabilities?: unknown; rlimits?: unknown };
  root: { path: string; readonly?: boolean };
  mounts: Array<{ destination: string; type: string; source: string; options?: string[] }>;
  linux: { namespaces: Array<{ type: string }>; resources?: unknown; cgroupsPath?: string };
}

/** The image's tag: the one ref name in its index.json. */
export function imageTag(layout: string = IMAGE_LAYOUT): string {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ annotations?: Record<string, string> }> };
  const tag = index.manifests[0]?.annotations?.['org.opencontainers.image.ref.name'];
  if (!tag) throw new Error(`${layout}/index.json names no tag`);
  return tag;
}

/** Unpacks the image once into a bundle directory; `run` then starts containers from copies of its spec. */
export class ImageBundle {
  readonly dir: string;
  private readonly running = new Set<Container>();

  constructor(layout: string = IMAGE_LAYOUT) {
    if (!existsSync(join(layout, 'index.json'))) throw new Error(`no image at ${layout}: run npm run image first`);
    this.dir = mkdtempSync(join(tmpdir(), 'parley-image-'));
    execFileSync('umoci', ['unpack', '--image', `${layout}:${imageTag(layout)}`, join(this.dir, 'bundle')], { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  /** The spec umoci wrote from the image config (user, env, cwd, command). */
  imageSpec(): RuntimeSpec {
    return JSON.parse(readFileSync(join(this.dir, 'bundle', 'config.json'), 'utf8')) as RuntimeSpec;
  }

  /** Starts a container running `args` (default: the image's command) with extra environment. */
  run(name: string, env: Record<string, string>, args?: string[]): Container {
    const spec = this.imageSpec();
    spec.process.terminal = false;
    if (args) spec.process.args = args;
    spec.process.env = [...spec.process.env, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
    spec.process.capabilities = { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] };
    spec.process.rlimits = [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }];
    spec.root = { path: join(this.dir, 'bundle', 'rootfs'), readonly: true };
    // This sandbox's cgroups are a v1/v2 hybrid that the runtime may not join: no cgroup mount or limits.
    spec.mounts = spec.mounts.filter((m) => m.type !== 'cgroup');
    spec.mounts.push(
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] },
      { destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=0700', `uid=${spec.process.user.uid}`, `gid=${spec.process.user.gid}`] },
    );
    spec.linux.namespaces = spec.linux.namespaces.filter((n) => n.type !== 'network');
    delete spec.linux.resources;
    delete spec.linux.cgroupsPath;
    const id = `parley-${name}-${randomBytes(4).toString('hex')}`;
    const bundle = join(this.dir, id);
    execFileSync('mkdir', ['-p', bundle]);
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    const child = spawn('runc', ['run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    const container = new Container(id, child, () => this.running.delete(container));
    this.running.add(container);
    return container;
  }

  /** Stops every container still running and removes the unpacked image. */
  async dispose(): Promise<void> {
    await Promise.all([...this.running].map((c) => c.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class Container {
  private output = '';
  readonly exited: Promise<number | null>;

  constructor(
    readonly id: string,
    child: ChildProcess,
    onExit: () => void,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        onExit();
        resolve(code);
      }),
    );
  }

  logs(): string {
    return this.output;
  }

  /** Sends SIGTERM to the container's init (the Node process) and waits up to `timeoutMs` for it to exit. */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    this.signal('TERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
    const result = await Promise.race([this.exited, timer]);
    if (result === 'timeout') {
      await this.kill();
      throw new Error(`container ${this.id} did not exit within ${timeoutMs} ms of SIGTERM`);
    }
    return result;
  }

  async kill(): Promise<void> {
    this.signal('KILL');
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    try {
      execFileSync('runc', ['delete', '--force', this.id], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }

  private signal(sig: string): void {
    try {
      execFileSync('runc', ['kill', this.id, sig], { stdio: 'ignore' });
    } catch {
      // Not running (yet or any more).
    }
  }
}
