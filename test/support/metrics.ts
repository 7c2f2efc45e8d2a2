/** Reading Parley's own /metrics (Prometheus text exposition) in end-to-end tests and the bench. */

/** `name{labels} value`: a sample line (comments and blank lines are not samples). */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of (text ?? '').matchAll(LABEL)) labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return labels;
}

/** Every sample of `name` in an exposition, with its labels. */
function* samplesOf(exposition: string, name: string): Generator<{ labels: Record<string, string>; value: number }> {
  for (const line of exposition.split('\n')) {
    const m = SAMPLE.exec(line.trim());
    if (m !== null && m[1] === name) yield { labels: labelsOf(m[2]), value: Number(m[3]) };
  }
}

/** The values of the samples of `name` whose labels include `match` (equal values), in order; none when absent. */
export function sampleValues(exposition: string, name: string, match: Record<string, string> = {}): number[] {
  const values: number[] = [];
  for (const { labels, value } of samplesOf(exposition, name)) if (Object.entries(match).every(([k, v]) => labels[k] === v)) values.push(value);
  return values;
}

/**
 * The sum of every sample of `name` whose labels include `match` (equal values); 0 when there is
 * none, as for a counter no event has touched yet.
 */
export function sampleSum(exposition: string, name: string, match: Record<string, string> = {}): number {
  return sampleValues(exposition, name, match).reduce((a, b) => a + b, 0);
}

/** Every sample of `name` by the value of one label, summed over the rest (e.g. closes by code). */
export function sampleSumsBy(exposition: string, name: string, label: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const { labels, value } of samplesOf(exposition, name)) {
    const key = labels[label];
    if (key !== undefined) sums[key] = (sums[key] ?? 0) + value;
  }
  return sums;
}

/** The admin /metrics URLs of the processes that run a gateway: standalone's one, or the mesh's `gateway*`. */
export function gatewayMetricsUrls(urls: Record<string, string>): string[] {
  const gateways = Object.entries(urls).filter(([name]) => name === 'standalone' || /^gateway(-\d+)?$/.test(name));
  if (gateways.length === 0) throw new Error(`no gateway admin address among ${JSON.stringify(Object.keys(urls))}`);
  return gateways.map(([, url]) => url);
}

/** The expositions of these URLs, joined (sums over them are sums over the processes). */
export async function scrapeAll(urls: string[]): Promise<string> {
  const texts = await Promise.all(
    urls.map(async (url) => {
      const res = await fetch(url);
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
      return res.text();
    }),
  );
  return texts.join('\n');
}
