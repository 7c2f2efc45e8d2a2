import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_CONFIG } from './config';

/** The Dockerfile's last stage, instruction by instruction (continuation lines joined). */
function finalStage(): Array<[string, string]> {
  const text = readFileSync(join(__dirname, '..', '..', 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const last = lines.map((l) => l.trim()).lastIndexOf(lines.map((l) => l.trim()).filter((l) => l.startsWith('FROM '))[1]);
  return lines.slice(last).map((l) => {
    const [op, ...rest] = l.trim().split(/\s+/);
    return [op, rest.join(' ')];
  });
}

describe('the Dockerfile (not run here: no engine) and npm run image', () => {
  it('give the container the same user, environment, working directory, port and command', () => {
    const stage = finalStage();
    const one = (op: string) => stage.filter(([o]) => o === op).map(([, v]) => v);
    expect(stage[0]).toEqual(['FROM', 'scratch']);
    expect(one('USER')).toEqual([IMAGE_CONFIG.user]);
    expect(one('ENV').flatMap((v) => v.split(/\s+/))).toEqual(IMAGE_CONFIG.env);
    expect(one('WORKDIR')).toEqual([IMAGE_CONFIG.workingDir]);
    expect(one('EXPOSE').map(Number)).toEqual(IMAGE_CONFIG.exposedPorts);
    expect(one('CMD').map((v) => JSON.parse(v) as string[])).toEqual([IMAGE_CONFIG.cmd]);
  });

  it('builds its root file system with the same tool, in --rootfs mode', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'Dockerfile'), 'utf8');
    expect(text).toMatch(/node dist\/tools\/image\/main\.js --rootfs \/rootfs/);
    expect(text).toMatch(/COPY --from=build \/rootfs\/ \//);
  });
});
