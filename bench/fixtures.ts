import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ONE_MB = 1024 * 1024;

export interface SyntheaFixtures {
  dir: string;
  /** The patient transaction Bundle closest to 1 MB. */
  patient: { file: string; bytes: number; body: string; entries: number };
  /** Batch Bundles of Organizations/Locations and Practitioners/PractitionerRoles the patient bundle references conditionally. */
  hospital: { file: string; body: string };
  practitioner: { file: string; body: string };
}

/**
 * Finds the Synthea bundles: $BENCH_SYNTHEA_DIR, else ../shared/data/synthea
 * next to the repository (where the project's shared data lives), else
 * bench/fixtures/synthea. Undefined when none holds them.
 */
export function loadSyntheaFixtures(explicitDir?: string): SyntheaFixtures | undefined {
  const candidates = [explicitDir, join(ROOT, '..', 'shared', 'data', 'synthea'), join(ROOT, 'bench', 'fixtures', 'synthea')].filter(
    (dir): dir is string => Boolean(dir),
  );
  for (const dir of candidates) {
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir).filter((file) => file.endsWith('.json'));
    const hospital = files.find((file) => file.startsWith('hospitalInformation'));
    const practitioner = files.find((file) => file.startsWith('practitionerInformation'));
    const patients = files
      .filter((file) => file !== hospital && file !== practitioner)
      .map((file) => ({ file, bytes: statSync(join(dir, file)).size }))
      .sort((a, b) => Math.abs(a.bytes - ONE_MB) - Math.abs(b.bytes - ONE_MB));
    if (!hospital || !practitioner || patients.length === 0) continue;
    const body = readFileSync(join(dir, patients[0].file), 'utf8');
    return {
      dir,
      patient: { ...patients[0], body, entries: (JSON.parse(body) as { entry?: unknown[] }).entry?.length ?? 0 },
      hospital: { file: hospital, body: readFileSync(join(dir, hospital), 'utf8') },
      practitioner: { file: practitioner, body: readFileSync(join(dir, practitioner), 'utf8') },
    };
  }
  return undefined;
}
