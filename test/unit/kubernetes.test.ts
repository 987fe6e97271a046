// deploy/kubernetes/: schema validation with kubernetes-validate (the Kubernetes JSON schemas it ships,
// strict: unknown fields fail), the wiring between the manifests, and the configuration as a pod sees it:
// each ConfigMap materialized the way kubelet does (a ..data symlink to a timestamped directory), then
// validated by aofctl and hot-reloaded through kubelet's atomic symlink swap.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { configStore } from '../../src/config/config-store.js';
import { CONFIG_ROOT, kubernetesConfig } from '../../scripts/kubernetes-config.js';
import { kubernetesValidatePath } from '../harness/kubernetes-validate.js';

const root = resolve(import.meta.dirname, '../..');
const k8s = resolve(root, 'deploy/kubernetes');
const manifests = readdirSync(k8s).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const docs = manifests
  .flatMap((f) => parseAllDocuments(readFileSync(join(k8s, f), 'utf8')).map((d) => d.toJS()))
  .filter(Boolean);
const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
const configMaps = docs.filter((d) => d.kind === 'ConfigMap');
const deployments = docs.filter((d) => d.kind === 'Deployment');
const container = (name: string) => find('Deployment', name).spec.template.spec.containers[0];
const portNumber = (c: any, port: string | number) =>
  typeof port === 'number' ? port : c.ports.find((p: any) => p.name === port)?.containerPort;

/** Writes a ConfigMap's data as kubelet does, and returns a function that applies an update atomically. */
function materialize(dir: string, data: Record<string, string>) {
  mkdirSync(dir, { recursive: true });
  let version = 0;
  const write = (files: Record<string, string>) => {
    const stamp = `..${Date.now()}_${version++}`;
    mkdirSync(join(dir, stamp));
    for (const [k, v] of Object.entries(files)) writeFileSync(join(dir, stamp, k), v);
    symlinkSync(stamp, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    for (const k of Object.keys(files)) {
      try {
        symlinkSync(join('..data', k), join(dir, k));
      } catch {
        /* the key existed before */
      }
    }
    for (const f of readdirSync(dir)) {
      if (f.startsWith('..') && f !== '..data' && f !== stamp) rmSync(join(dir, f), { recursive: true });
      else if (!f.startsWith('..') && !(f in files)) rmSync(join(dir, f));
    }
  };
  write(data);
  return write;
}

describe('deploy/kubernetes', function () {
  this.timeout(180_000);

  it('config.yaml holds the repository configuration (npm run kubernetes:config)', () => {
    assert.equal(readFileSync(join(k8s, 'config.yaml'), 'utf8'), kubernetesConfig(root));
  });

  it('every manifest passes kubernetes-validate --strict, which rejects a broken one', () => {
    const bin = kubernetesValidatePath();
    const r = spawnSync(bin, ['--strict', '--quiet', ...manifests.map((f) => join(k8s, f))], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const broken = join(mkdtempSync(join(tmpdir(), 'aof-k8s-')), 'broken.yaml');
    writeFileSync(
      broken,
      readFileSync(join(k8s, 'ingress.yaml'), 'utf8').replace(
        'containerPort: 3000',
        'containerPort: "3000", hostPorts: 1',
      ),
    );
    const bad = spawnSync(bin, ['--strict', '--quiet', broken], { encoding: 'utf8' });
    rmSync(resolve(broken, '..'), { recursive: true, force: true });
    assert.notEqual(bad.status, 0, 'a wrong type and an unknown field must fail');
  });

  it('the ingress: probes on /health and /ready, the daemon port, behind its Service, scaled by an HPA on CPU requests', () => {
    const daemon = parse(find('ConfigMap', 'aof-daemon').data['daemon.yaml']);
    const c = container('aof-ingress');
    assert.equal(c.livenessProbe.httpGet.path, '/health');
    assert.equal(c.readinessProbe.httpGet.path, '/ready');
    for (const probe of [c.livenessProbe, c.readinessProbe])
      assert.equal(portNumber(c, probe.httpGet.port), daemon.spec.server.port);
    const svc = find('Service', 'aof-ingress');
    const podLabels = find('Deployment', 'aof-ingress').spec.template.metadata.labels;
    for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(podLabels[k], v);
    for (const p of svc.spec.ports) assert.equal(portNumber(c, p.targetPort), daemon.spec.server.port);
    const hpa = find('HorizontalPodAutoscaler', 'aof-ingress');
    assert.deepEqual([hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name], ['Deployment', 'aof-ingress']);
    assert.equal(hpa.spec.metrics[0].resource.name, 'cpu');
    assert.ok(c.resources.requests.cpu, 'CPU utilization needs a CPU request');
  });

  it('the worker: its own Deployment, probes and metrics on AOF_METRICS_PORT', () => {
    const c = container('aof-worker');
    const metricsPort = Number(c.env.find((e: any) => e.name === 'AOF_METRICS_PORT').value);
    assert.equal(portNumber(c, c.readinessProbe.httpGet.port), metricsPort);
    assert.equal(c.readinessProbe.httpGet.path, '/ready');
    assert.equal(c.livenessProbe.httpGet.path, '/health');
    assert.equal(
      find('Deployment', 'aof-worker').spec.template.metadata.annotations['prometheus.io/port'],
      String(metricsPort),
    );
    assert.ok(
      !docs.some((d) => d.kind === 'HorizontalPodAutoscaler' && d.spec.scaleTargetRef.name === 'aof-worker'),
      'scaled independently of the ingress HPA',
    );
  });

  it('config from ConfigMaps mounted as whole directories where daemon.yaml looks; secrets only from the Secret', () => {
    const secret = find('Secret', 'aof-secrets');
    for (const d of deployments) {
      const spec = d.spec.template.spec;
      const c = spec.containers[0];
      const daemonMount = c.volumeMounts.find(
        (m: any) => spec.volumes.find((v: any) => v.name === m.name)?.configMap?.name === 'aof-daemon',
      );
      assert.equal(c.args.at(-1), `${daemonMount.mountPath}/daemon.yaml`);
      for (const m of c.volumeMounts) {
        assert.equal(m.subPath, undefined, 'a subPath mount never sees ConfigMap updates');
        const cm = spec.volumes.find((v: any) => v.name === m.name).configMap.name;
        assert.ok(find('ConfigMap', cm), `ConfigMap ${cm} exists`);
      }
      const daemon = parse(find('ConfigMap', 'aof-daemon').data['daemon.yaml']);
      for (const kind of ['triggers', 'agents', 'fleets', 'flows', 'gates']) {
        const mount = c.volumeMounts.find(
          (m: any) => spec.volumes.find((v: any) => v.name === m.name).configMap.name === `aof-${kind}`,
        );
        assert.equal(`${mount.mountPath}/`, daemon.spec[kind].directory, `${d.metadata.name}: ${kind}`);
      }
      assert.equal(daemon.spec.triggers.watch, true);
      for (const e of c.env) {
        if (e.valueFrom?.secretKeyRef) {
          assert.equal(e.valueFrom.secretKeyRef.name, 'aof-secrets');
          assert.ok(
            e.valueFrom.secretKeyRef.key in secret.stringData,
            `${e.name}: key ${e.valueFrom.secretKeyRef.key}`,
          );
        } else assert.doesNotMatch(e.name, /SECRET|TOKEN|KEY/, `${e.name} must come from the Secret`);
      }
    }
  });

  it('aofctl validates the configuration as mounted, and watch: true reloads a kubelet update', async () => {
    const pod = mkdtempSync(join(tmpdir(), 'aof-pod-'));
    try {
      const updates: Record<string, (files: Record<string, string>) => void> = {};
      for (const cm of configMaps) {
        let data = cm.data as Record<string, string>;
        // The pod sees /etc/aof; this test writes the same layout under a temporary directory.
        if (cm.metadata.name === 'aof-daemon')
          data = { 'daemon.yaml': data['daemon.yaml']!.replaceAll(`${CONFIG_ROOT}/`, `${pod}/`) };
        updates[cm.metadata.name] = materialize(join(pod, cm.metadata.name.replace(/^aof-/, '')), data);
      }
      const daemonFile = join(pod, 'daemon', 'daemon.yaml');
      const r = spawnSync(process.execPath, [join(root, 'bin/aofctl.js'), 'validate', '--config', daemonFile], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.status, 0, r.stderr);
      const triggers = find('ConfigMap', 'aof-triggers').data as Record<string, string>;
      assert.match(r.stdout, new RegExp(`valid \\(${Object.keys(triggers).length} triggers`));

      const store = configStore(daemonFile);
      try {
        const before = store.current().triggers.length;
        const reloaded = store.nextReload();
        const [dropped, ...kept] = Object.keys(triggers);
        updates['aof-triggers']!(Object.fromEntries(kept.map((k) => [k, triggers[k]!])));
        assert.equal((await reloaded).ok, true);
        assert.equal(store.current().triggers.length, before - 1, `${dropped} removed`);
      } finally {
        store.close();
      }
    } finally {
      rmSync(pod, { recursive: true, force: true });
    }
  });
});
