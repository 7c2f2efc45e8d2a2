import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { K8S_MANIFEST, K8S_MANIFEST_HEADER, K8S_RENDER, renderChart, repoRoot } from './helm';

/** `npm run k8s:render`: writes k8s/parley.yaml, the chart rendered with default values. */
const root = repoRoot(process.cwd());
writeFileSync(join(root, K8S_MANIFEST), K8S_MANIFEST_HEADER + renderChart(K8S_RENDER, root));
process.stdout.write(`wrote ${K8S_MANIFEST}\n`);
