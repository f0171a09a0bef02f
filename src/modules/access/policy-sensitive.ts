import type { Coding, Resource } from '@medplum/fhirtypes';

/**
 * Sensitive categories the region withholds from other institutions unless
 * the patient's Consent names them. The one place that says what is
 * sensitive: a resource is classified by its meta.security labels (HL7 v3
 * ActCode sensitivity codes, http://terminology.hl7.org/CodeSystem/v3-ActCode)
 * and by the codes it carries (value sets below).
 */
export const SENSITIVE_CATEGORIES = ['mental-health', 'hiv-sti', 'reproductive-health', 'substance-use', 'genetics'] as const;
export type SensitiveCategory = (typeof SENSITIVE_CATEGORIES)[number];

export const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ICD10 = ['http://hl7.org/fhir/sid/icd-10', 'http://hl7.org/fhir/sid/icd-10-cn', 'http://hl7.org/fhir/sid/icd-10-cm'];
const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';

/**
 * v3 ActCode information-sensitivity codes (R4 value set
 * http://terminology.hl7.org/ValueSet/v3-InformationSensitivityPolicy) → category.
 * The label a Consent's provision.securityLabel uses to name a category is the first one listed.
 */
export const SECURITY_LABELS: Readonly<Record<SensitiveCategory, readonly string[]>> = {
  'mental-health': ['PSY', 'PSYTHPN', 'BH'],
  'hiv-sti': ['HIV', 'STD'],
  'reproductive-health': ['SEX', 'SDV'],
  // SUD was added to ActCode after R4; ETH is the R4 code.
  'substance-use': ['ETH', 'SUD'],
  genetics: ['GDIS'],
};

/** ICD-10 code prefixes per category (WHO ICD-10 chapters / blocks; ICD-10 is what Chinese institutions send). */
const ICD10_PREFIXES: Readonly<Record<SensitiveCategory, readonly string[]>> = {
  // F00–F99 mental and behavioural disorders, except F10–F19 (substance use, below); X60–X84 intentional self-harm.
  'mental-health': ['F0', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'X6', 'X7', 'X80', 'X81', 'X82', 'X83', 'X84'],
  // B20–B24 HIV disease, Z21 asymptomatic HIV, R75 inconclusive HIV test, A50–A64 sexually transmitted infections.
  'hiv-sti': ['B20', 'B21', 'B22', 'B23', 'B24', 'Z21', 'R75', 'A50', 'A51', 'A52', 'A53', 'A54', 'A55', 'A56', 'A57', 'A58', 'A59', 'A60', 'A63', 'A64'],
  // O00–O08 pregnancy with abortive outcome, Z30–Z31 contraception and procreative management, N97 female infertility, N46 male infertility.
  'reproductive-health': ['O00', 'O01', 'O02', 'O03', 'O04', 'O05', 'O06', 'O07', 'O08', 'Z30', 'Z31', 'N97', 'N46'],
  // F10–F19 mental and behavioural disorders due to psychoactive substance use, Z71.4–Z71.5 counselling for alcohol / drug use.
  'substance-use': ['F1', 'Z714', 'Z715', 'Z71.4', 'Z71.5'],
  // Q90–Q99 chromosomal abnormalities, Z15 genetic susceptibility to disease, Z14 genetic carrier.
  genetics: ['Q90', 'Q91', 'Q92', 'Q93', 'Q95', 'Q96', 'Q97', 'Q98', 'Q99', 'Z14', 'Z15'],
};

/** Individual LOINC and SNOMED CT codes per category (tests and diagnoses commonly sent without ICD-10). */
const CODES: Readonly<Record<SensitiveCategory, ReadonlyArray<readonly [string, string]>>> = {
  'mental-health': [[SNOMED, '74732009'], [SNOMED, '35489007'], [SNOMED, '58214004'], [LOINC, '44249-1'], [LOINC, '69737-5']],
  'hiv-sti': [
    [LOINC, '7917-8'], [LOINC, '7918-6'], [LOINC, '68961-2'], [LOINC, '75622-1'], [LOINC, '56888-1'], [LOINC, '20447-9'],
    [LOINC, '25836-8'], [LOINC, '43304-5'], [LOINC, '21440-3'], [LOINC, '20507-0'], [LOINC, '22461-8'],
    [SNOMED, '86406008'], [SNOMED, '165816005'], [SNOMED, '8098009'],
  ],
  'reproductive-health': [[SNOMED, '386639001'], [SNOMED, '8619003'], [LOINC, '2106-3']],
  'substance-use': [[SNOMED, '66214007'], [SNOMED, '7200002'], [LOINC, '68518-0'], [LOINC, '3426-4']],
  genetics: [[LOINC, '51969-4'], [LOINC, '55233-1'], [SNOMED, '405823003']],
};

const LABEL_INDEX = new Map<string, SensitiveCategory>();
for (const category of SENSITIVE_CATEGORIES) for (const label of SECURITY_LABELS[category]) LABEL_INDEX.set(label, category);
const CODE_INDEX = new Map<string, SensitiveCategory>();
for (const category of SENSITIVE_CATEGORIES) for (const [system, code] of CODES[category]) CODE_INDEX.set(`${system}|${code}`, category);

/** The category a v3 ActCode security label stands for, if any. */
export function categoryOfLabel(coding: Coding | undefined): SensitiveCategory | undefined {
  if (!coding?.code) return undefined;
  if (coding.system !== undefined && coding.system !== V3_ACT_CODE) return undefined;
  return LABEL_INDEX.get(coding.code);
}

function categoryOfIcd10(code: string): SensitiveCategory | undefined {
  const upper = code.toUpperCase();
  // Substance use first: F1x is inside the F chapter but its own category.
  for (const category of ['substance-use', 'mental-health', 'hiv-sti', 'reproductive-health', 'genetics'] as const) {
    if (ICD10_PREFIXES[category].some((prefix) => upper.startsWith(prefix))) return category;
  }
  return undefined;
}

/** The category of one clinical coding, if any. */
export function categoryOfCoding(coding: Coding): SensitiveCategory | undefined {
  if (!coding.code || !coding.system) return undefined;
  if (ICD10.includes(coding.system)) return categoryOfIcd10(coding.code);
  return CODE_INDEX.get(`${coding.system}|${coding.code}`);
}

/** Elements whose codings say what a resource is about (R4 names). */
const CODED_ELEMENTS = ['code', 'category', 'type', 'reasonCode', 'valueCodeableConcept', 'medicationCodeableConcept', 'vaccineCode', 'conclusionCode'];

function* codingsOf(value: unknown): Generator<Coding> {
  if (Array.isArray(value)) {
    for (const item of value) yield* codingsOf(item);
    return;
  }
  if (value && typeof value === 'object') {
    const concept = value as { coding?: Coding[] };
    if (Array.isArray(concept.coding)) yield* concept.coding;
  }
}

/**
 * The sensitive categories a resource falls in: from its meta.security labels
 * and from the codings of its main coded elements. Empty for ordinary data.
 */
export function classifyResource(resource: Resource): Set<SensitiveCategory> {
  const found = new Set<SensitiveCategory>();
  for (const label of resource.meta?.security ?? []) {
    const category = categoryOfLabel(label);
    if (category) found.add(category);
  }
  const record = resource as unknown as Record<string, unknown>;
  for (const element of CODED_ELEMENTS) {
    for (const coding of codingsOf(record[element])) {
      const category = categoryOfCoding(coding);
      if (category) found.add(category);
    }
  }
  return found;
}

/** The label that names a category in a Consent provision.securityLabel. */
export function labelForCategory(category: SensitiveCategory): Coding {
  return { system: V3_ACT_CODE, code: SECURITY_LABELS[category][0] };
}
