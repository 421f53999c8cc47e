// Health detectors: medical record numbers (with "MRN"), diagnoses and medications (with a dose)
// near clinical words. No maintained offline JavaScript library does clinical entity recognition
// (the usual ones are Python: Presidio, scispaCy, medspaCy), so the term lists are ours: common
// chronic and acute conditions and frequently prescribed drugs. A term with no clinical context
// scores 0.5, below the default minimum confidence for health (0.6), so "diagnosis of the flaky
// test" or a drug name in a pharmacology question is not reported by default.

import { around, HEALTH_CONTEXT } from './context';
import { define, defineScanner } from './define';
import type { Detector, Hit } from './types';

const AT = 'agent-trace/';

const CONDITIONS = [
  'type [12] diabetes(?: mellitus)?', 'diabetes(?: mellitus)?', 'gestational diabetes', 'hypertension', 'high blood pressure', 'asthma',
  'chronic obstructive pulmonary disease', 'COPD', '(?:congestive )?heart failure', 'coronary artery disease', 'atrial fibrillation',
  'myocardial infarction', 'heart attack', 'stroke', 'pneumonia', 'bronchitis', 'tuberculosis', 'sepsis', 'COVID-19',
  'HIV', 'AIDS', 'hepatitis [ABC]', 'cirrhosis', "crohn's disease", 'ulcerative colitis', 'celiac disease', 'chronic kidney disease',
  'kidney failure', 'major depressive disorder', 'depression', 'generali[sz]ed anxiety disorder', 'anxiety disorder', 'panic disorder',
  'bipolar(?: I| II)? disorder', 'schizophrenia', 'PTSD', 'post-traumatic stress disorder', 'ADHD', 'autism(?: spectrum disorder)?',
  'obsessive-compulsive disorder', 'anorexia(?: nervosa)?', 'bulimia', '(?:alcohol|opioid|substance) use disorder', 'epilepsy',
  'migraine', "parkinson's disease", "alzheimer's disease", 'dementia', 'multiple sclerosis', 'rheumatoid arthritis', 'osteoarthritis',
  'lupus', 'psoriasis', 'hypothyroidism', 'hyperthyroidism', 'anemia', 'sickle cell disease', 'obesity',
  '(?:breast|lung|prostate|colon|colorectal|pancreatic|ovarian|skin|cervical) cancer', 'leukemia', 'lymphoma', 'melanoma',
];
const DRUGS = [
  'metformin', 'insulin(?: glargine| lispro| aspart)?', 'lisinopril', 'amlodipine', 'losartan', 'atorvastatin', 'simvastatin', 'rosuvastatin',
  'metoprolol', 'carvedilol', 'furosemide', 'hydrochlorothiazide', 'warfarin', 'apixaban', 'rivaroxaban', 'clopidogrel', 'aspirin',
  'levothyroxine', 'prednisone', 'albuterol', 'salbutamol', 'fluticasone', 'montelukast', 'omeprazole', 'pantoprazole',
  'sertraline', 'fluoxetine', 'escitalopram', 'citalopram', 'paroxetine', 'venlafaxine', 'duloxetine', 'bupropion', 'mirtazapine',
  'trazodone', 'quetiapine', 'olanzapine', 'risperidone', 'aripiprazole', 'lithium', 'lamotrigine', 'levetiracetam', 'valproate',
  'carbamazepine', 'gabapentin', 'pregabalin', 'alprazolam', 'lorazepam', 'diazepam', 'clonazepam', 'zolpidem', 'methylphenidate',
  'amphetamine', 'oxycodone', 'hydrocodone', 'morphine', 'tramadol', 'buprenorphine', 'methadone', 'naltrexone', 'semaglutide',
  'liraglutide', 'empagliflozin', 'dapagliflozin', 'sitagliptin', 'tamoxifen', 'letrozole', 'methotrexate', 'adalimumab',
  'hydroxychloroquine', 'tenofovir', 'emtricitabine', 'dolutegravir', 'amoxicillin', 'azithromycin', 'doxycycline', 'ciprofloxacin',
];
const DOSE = '[0-9]+(?:\\.[0-9]+)? ?(?:mg|mcg|µg|g|ml|mL|units|IU)\\b';

export const CONDITION_RE = new RegExp(`\\b(?:${CONDITIONS.join('|')})\\b`, 'gi');
export const DRUG_RE = new RegExp(`\\b(?:${DRUGS.join('|')}) ${DOSE}`, 'gi');

function termHits(re: RegExp, text: string, withContext: number, without: number): Hit[] {
  const hits: Hit[] = [];
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const start = m.index;
    const end = start + m[0].length;
    const ctx = HEALTH_CONTEXT.test(around(text, start, end, 120, 60));
    hits.push({ start, end, confidence: ctx ? withContext : without, basis: ctx ? 'context' : 'pattern' });
  }
  return hits;
}

export const HEALTH_DETECTORS: Detector[] = [
  define({ id: 'medical-record-number', ruleId: AT + 'medical-record-number', name: 'Medical record number', category: 'health',
    type: 'medical-record-number', parts: ['\\b(?:MRN|medical record (?:number|no\\.?|#))[ :#.-]{0,4}', '[A-Z]{0,3}-?[0-9]{5,12}', '\\b'],
    flags: 'i', basis: 'context', confidence: 0.95, quick: (t) => /mrn|medical record/i.test(t) }),
  defineScanner({ id: 'diagnosis', ruleId: AT + 'diagnosis', name: 'Diagnosis or condition', category: 'health', type: 'diagnosis',
    confidence: 0.85, basis: 'context', naturalLanguageOnly: true,
    scan: (text) => termHits(CONDITION_RE, text, 0.85, 0.5),
    notInRe2: 'a condition counts only near clinical words (context scoring); the collector would either miss or over-redact it' }),
  defineScanner({ id: 'medication', ruleId: AT + 'medication', name: 'Medication with dose', category: 'health', type: 'medication',
    confidence: 0.85, basis: 'context', naturalLanguageOnly: true,
    scan: (text) => termHits(DRUG_RE, text, 0.9, 0.6),
    notInRe2: 'medications are scored by clinical context; the collector cannot weigh context' }),
];
