/**
 * The fictional region: 协同市 (Xietong City) in 浙江省, three districts, nine
 * institutions. Area codes 3390xx follow the GB/T 2260 shape (province 33 =
 * Zhejiang) but the city itself is invented.
 */
export type InstitutionKind = 'tertiary-hospital' | 'district-hospital' | 'community-health-centre';

export interface InstitutionSpec {
  id: string;
  name: string;
  kind: InstitutionKind;
  /** District the institution sits in (index into DISTRICTS). */
  district: number;
  /** For community health centres: the street (街道) it serves (index into the district's streets). */
  street?: number;
  /** Department codes (keys of DEPARTMENTS). */
  departments: string[];
  /** Practitioners per department. */
  doctorsPerDepartment: number;
}

export interface Street {
  name: string;
  communities: string[];
  roads: string[];
}

export interface District {
  name: string;
  areaCode: string;
  postalCode: string;
  streets: Street[];
}

export const PROVINCE = '浙江省';
export const CITY = '协同市';

export const DISTRICTS: District[] = [
  {
    name: '东湖区', areaCode: '339002', postalCode: '318001',
    streets: [
      { name: '湖滨街道', communities: ['湖滨社区', '柳浪社区', '望湖社区', '青荷社区'], roads: ['湖滨路', '柳浪路', '望湖街', '荷花巷'] },
      { name: '文昌街道', communities: ['文昌社区', '书院社区', '桂花社区'], roads: ['文昌路', '书院街', '桂花路', '学府路'] },
    ],
  },
  {
    name: '西岭区', areaCode: '339003', postalCode: '318002',
    streets: [
      { name: '西岭街道', communities: ['西岭社区', '松林社区', '云岭社区', '竹园社区'], roads: ['西岭路', '松林路', '云岭街', '竹园巷'] },
      { name: '枫桥街道', communities: ['枫桥社区', '石桥社区', '溪口社区'], roads: ['枫桥路', '石桥街', '溪口路', '枫林巷'] },
    ],
  },
  {
    name: '南江区', areaCode: '339004', postalCode: '318003',
    streets: [
      { name: '南江街道', communities: ['南江社区', '江南社区', '新华社区', '和平社区'], roads: ['南江大道', '新华路', '和平街', '人民路'] },
      { name: '江滨街道', communities: ['江滨社区', '码头社区', '凤凰社区'], roads: ['江滨路', '码头街', '凤凰路', '滨江巷'] },
    ],
  },
];

/** The city's rural county: natives born there carry its area code. */
export const COUNTY_AREA_CODE = '339021';

/** Real GB/T 2260 codes of places migrants to the region come from. */
export const MIGRANT_AREA_CODES = ['410102', '340102', '360102', '430102', '510104', '320102', '420102', '130102', '370102', '522601'];
export const XINJIANG_AREA_CODES = ['650102', '653101'];

export interface DepartmentSpec {
  name: string;
  nameEn: string;
  /** SNOMED CT practice setting / specialty code (FHIR value set c80-practice-codes). */
  specialty: { code: string; display: string };
}

export const DEPARTMENTS: Record<string, DepartmentSpec> = {
  cardiology: { name: '心血管内科', nameEn: 'Cardiology', specialty: { code: '394579002', display: 'Cardiology' } },
  endocrinology: { name: '内分泌科', nameEn: 'Endocrinology', specialty: { code: '394583002', display: 'Endocrinology' } },
  respiratory: { name: '呼吸与危重症医学科', nameEn: 'Respiratory medicine', specialty: { code: '418112009', display: 'Pulmonary medicine' } },
  neurology: { name: '神经内科', nameEn: 'Neurology', specialty: { code: '394591006', display: 'Neurology' } },
  'internal-medicine': { name: '内科', nameEn: 'Internal medicine', specialty: { code: '394802001', display: 'General medicine' } },
  surgery: { name: '普外科', nameEn: 'General surgery', specialty: { code: '394609007', display: 'General surgery' } },
  orthopaedics: { name: '骨科', nameEn: 'Orthopaedics', specialty: { code: '394801008', display: 'Trauma and orthopaedics' } },
  obstetrics: { name: '妇产科', nameEn: 'Obstetrics and gynaecology', specialty: { code: '394585009', display: 'Obstetrics and gynecology' } },
  paediatrics: { name: '儿科', nameEn: 'Paediatrics', specialty: { code: '394537008', display: 'Paediatric specialty' } },
  emergency: { name: '急诊科', nameEn: 'Emergency medicine', specialty: { code: '773568002', display: 'Emergency medicine' } },
  'general-practice': { name: '全科医学科', nameEn: 'General practice', specialty: { code: '394814009', display: 'General practice' } },
  preventive: { name: '预防保健科', nameEn: 'Preventive care', specialty: { code: '409968004', display: 'Preventive medicine' } },
  laboratory: { name: '检验科', nameEn: 'Clinical laboratory', specialty: { code: '394915009', display: 'General pathology' } },
  radiology: { name: '放射科', nameEn: 'Radiology', specialty: { code: '394914008', display: 'Radiology' } },
};

const HOSPITAL_DEPARTMENTS = ['internal-medicine', 'surgery', 'obstetrics', 'paediatrics', 'emergency', 'laboratory', 'radiology'];
const CHC_DEPARTMENTS = ['general-practice', 'preventive', 'laboratory'];

export const INSTITUTIONS: InstitutionSpec[] = [
  {
    id: 'inst-tertiary-1', name: '协同市第一人民医院', kind: 'tertiary-hospital', district: 2, doctorsPerDepartment: 5,
    departments: ['cardiology', 'endocrinology', 'respiratory', 'neurology', 'orthopaedics', ...HOSPITAL_DEPARTMENTS],
  },
  { id: 'inst-district-1', name: '协同市东湖区人民医院', kind: 'district-hospital', district: 0, doctorsPerDepartment: 3, departments: HOSPITAL_DEPARTMENTS },
  { id: 'inst-district-2', name: '协同市西岭区人民医院', kind: 'district-hospital', district: 1, doctorsPerDepartment: 3, departments: HOSPITAL_DEPARTMENTS },
  ...DISTRICTS.flatMap((district, d) =>
    district.streets.map((street, s): InstitutionSpec => ({
      id: `inst-chc-${d * 2 + s + 1}`,
      name: `${CITY}${district.name}${street.name}社区卫生服务中心`,
      kind: 'community-health-centre',
      district: d,
      street: s,
      departments: CHC_DEPARTMENTS,
      doctorsPerDepartment: 2,
    })),
  ),
];

/** The community health centre serving a street. */
export function findChcFor(district: number, street: number): InstitutionSpec {
  const found = INSTITUTIONS.find((i) => i.kind === 'community-health-centre' && i.district === district && i.street === street);
  if (!found) throw new Error(`no community health centre for district ${district} street ${street}`);
  return found;
}

/** The nearest hospital of a district: its district hospital, or the tertiary hospital where there is none. */
export function findLocalHospitalFor(district: number): InstitutionSpec {
  return INSTITUTIONS.find((i) => i.kind === 'district-hospital' && i.district === district) ?? INSTITUTIONS[0];
}
