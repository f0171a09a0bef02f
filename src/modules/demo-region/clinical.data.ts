/**
 * Clinical catalogue of the demo region: ICD-10 conditions with age-specific
 * prevalence, and the LOINC-coded vital signs and laboratory tests.
 *
 * Prevalence figures are rounded from Chinese surveys, by age band
 * (China Hypertension Survey 2012–2015; Li Y. et al., BMJ 2020 for diabetes;
 * China Pulmonary Health study, Lancet 2018 for COPD — diagnosed cases are
 * fewer than spirometry finds, so lower figures are used). Good enough for a
 * demo; not epidemiology.
 */
export interface ConditionSpec {
  code: string;
  display: string;
  displayZh: string;
  /** [minimum age, prevalence] bands, ascending: the last band whose minimum age ≤ age applies. */
  prevalence: ReadonlyArray<readonly [number, number]>;
  /** Department that follows the condition in a hospital. */
  department: string;
  sex?: 'male' | 'female';
}

export const ICD10_SYSTEM = 'http://hl7.org/fhir/sid/icd-10';
export const LOINC_SYSTEM = 'http://loinc.org';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

export const CHRONIC_CONDITIONS: ConditionSpec[] = [
  { code: 'I10', display: 'Essential (primary) hypertension', displayZh: '原发性高血压', department: 'cardiology',
    prevalence: [[18, 0.05], [45, 0.25], [60, 0.45], [75, 0.55]] },
  { code: 'E11', display: 'Type 2 diabetes mellitus', displayZh: '2型糖尿病', department: 'endocrinology',
    prevalence: [[18, 0.03], [45, 0.1], [60, 0.18], [75, 0.2]] },
  { code: 'E78', display: 'Disorders of lipoprotein metabolism and other lipidaemias', displayZh: '高脂血症', department: 'cardiology',
    prevalence: [[18, 0.05], [45, 0.15], [60, 0.2]] },
  { code: 'J44', display: 'Other chronic obstructive pulmonary disease', displayZh: '慢性阻塞性肺疾病', department: 'respiratory',
    prevalence: [[40, 0.04], [60, 0.1], [75, 0.14]] },
  { code: 'I25', display: 'Chronic ischaemic heart disease', displayZh: '慢性缺血性心脏病', department: 'cardiology',
    prevalence: [[45, 0.03], [60, 0.08], [75, 0.12]] },
  { code: 'I69', display: 'Sequelae of cerebrovascular disease', displayZh: '脑血管病后遗症', department: 'neurology',
    prevalence: [[50, 0.01], [60, 0.03], [75, 0.06]] },
  { code: 'J45', display: 'Asthma', displayZh: '支气管哮喘', department: 'respiratory', prevalence: [[5, 0.03], [18, 0.015]] },
  { code: 'N18', display: 'Chronic kidney disease', displayZh: '慢性肾脏病', department: 'internal-medicine',
    prevalence: [[40, 0.02], [60, 0.05]] },
  { code: 'M81', display: 'Osteoporosis without pathological fracture', displayZh: '骨质疏松症', department: 'orthopaedics',
    prevalence: [[50, 0.08], [60, 0.2]], sex: 'female' },
];

/** Diagnoses of one-off visits, recorded as resolved encounter diagnoses. */
export const ACUTE_CONDITIONS: ReadonlyArray<Omit<ConditionSpec, 'prevalence'>> = [
  { code: 'J06', display: 'Acute upper respiratory infections of multiple and unspecified sites', displayZh: '急性上呼吸道感染', department: 'internal-medicine' },
  { code: 'J18', display: 'Pneumonia, organism unspecified', displayZh: '肺炎', department: 'respiratory' },
  { code: 'K29', display: 'Gastritis and duodenitis', displayZh: '胃炎', department: 'internal-medicine' },
  { code: 'A09', display: 'Other gastroenteritis and colitis of infectious and unspecified origin', displayZh: '感染性腹泻', department: 'internal-medicine' },
  { code: 'S93', display: 'Dislocation, sprain and strain of joints and ligaments at ankle and foot level', displayZh: '踝关节扭伤', department: 'orthopaedics' },
  { code: 'R51', display: 'Headache', displayZh: '头痛', department: 'neurology' },
];

export interface LabSpec {
  key: string;
  loinc: string;
  display: string;
  displayZh: string;
  /** UCUM code and the unit as printed. */
  ucum: string;
  unit: string;
  decimals: number;
  /** Reference interval by sex (WS/T 404 and WS/T 405 adult intervals); undefined bound = open. */
  range: Record<'male' | 'female', { low?: number; high?: number }>;
}

const both = (low: number | undefined, high: number | undefined) => ({ male: { low, high }, female: { low, high } });

/**
 * Chinese laboratories report in SI units, so the molar LOINC codes are used
 * (14749-6 glucose in mmol/L rather than 2345-7 in mg/dL, 14647-2 cholesterol
 * rather than 2093-3): a LOINC code fixes the property (mass vs substance), and
 * putting mmol/L on 2345-7 would be wrong.
 */
export const LABS: Record<string, LabSpec> = {
  glucose: { key: 'glu', loinc: '14749-6', display: 'Glucose [Moles/volume] in Serum or Plasma', displayZh: '空腹血糖',
    ucum: 'mmol/L', unit: 'mmol/L', decimals: 1, range: both(3.9, 6.1) },
  hba1c: { key: 'a1c', loinc: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', displayZh: '糖化血红蛋白',
    ucum: '%', unit: '%', decimals: 1, range: both(4.0, 6.0) },
  cholesterol: { key: 'tc', loinc: '14647-2', display: 'Cholesterol [Moles/volume] in Serum or Plasma', displayZh: '总胆固醇',
    ucum: 'mmol/L', unit: 'mmol/L', decimals: 2, range: both(undefined, 5.2) },
  ldl: { key: 'ldl', loinc: '22748-8', display: 'Cholesterol in LDL [Moles/volume] in Serum or Plasma', displayZh: '低密度脂蛋白胆固醇',
    ucum: 'mmol/L', unit: 'mmol/L', decimals: 2, range: both(undefined, 3.4) },
  haemoglobin: { key: 'hb', loinc: '718-7', display: 'Hemoglobin [Mass/volume] in Blood', displayZh: '血红蛋白',
    ucum: 'g/L', unit: 'g/L', decimals: 0, range: { male: { low: 130, high: 175 }, female: { low: 115, high: 150 } } },
  creatinine: { key: 'cr', loinc: '14682-9', display: 'Creatinine [Moles/volume] in Serum or Plasma', displayZh: '肌酐',
    ucum: 'umol/L', unit: 'μmol/L', decimals: 0, range: { male: { low: 57, high: 97 }, female: { low: 41, high: 73 } } },
};

/** Vital signs (FHIR vital-signs profile codes, https://hl7.org/fhir/R4/observation-vitalsigns.html). */
export const VITALS = {
  panel: { loinc: '85354-9', display: 'Blood pressure panel with all children optional', displayZh: '血压' },
  systolic: { loinc: '8480-6', display: 'Systolic blood pressure', displayZh: '收缩压' },
  diastolic: { loinc: '8462-4', display: 'Diastolic blood pressure', displayZh: '舒张压' },
  heartRate: { loinc: '8867-4', display: 'Heart rate', displayZh: '心率' },
  weight: { loinc: '29463-7', display: 'Body weight', displayZh: '体重' },
  height: { loinc: '8302-2', display: 'Body height', displayZh: '身高' },
  bmi: { loinc: '39156-5', display: 'Body mass index (BMI) [Ratio]', displayZh: '体重指数' },
} as const;
