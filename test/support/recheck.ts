// recheck (ReDoS audit) with limits that do not depend on how busy the machine is. recheck counts
// an attack string that runs past its wall-clock limits as a success, so on a machine under load
// (15 to 20) linear patterns read as polynomial with every random seed (five redaction detectors
// at once, seen 2026-12-02). The per-step limits here are ten times recheck's defaults (attack
// 1 s → 10 s, incubation 250 ms → 2.5 s, seeding 100 ms → 1 s): a linear pattern's attack stays
// far below them even at ten times the CPU time, while a super-linear one still reaches its VM
// step limit (attackLimit), which counts steps, not time. The overall limit only ever turns a
// verdict into "unknown".
import { checkSync, type Diagnostics } from 'recheck';

export function recheckPattern(source: string, flags: string, randomSeed = 0): Diagnostics {
  return checkSync(source, flags, { timeout: 60_000, attackTimeout: 10_000, incubationTimeout: 2_500, seedingTimeout: 1_000, randomSeed });
}
