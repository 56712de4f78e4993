import type { ClientScope, TenantRole } from '@govmatrix/auth';
import type { ImportUnitRowDto, TenantRootDto } from '@govmatrix/tenancy';

/** Every demo user logs in with this password; the demo is for trying the product, never for production. */
export const DEMO_PASSWORD = 'demo-password-2026';

export const DEMO_TENANT = {
  slug: 'hunan-demo',
  name: '湖南省（演示）',
  root: { name: '湖南省', shortName: '湖南', level: 'province', divisionCode: '430000', code: '430000' } satisfies TenantRootDto,
  admin: { username: 'admin', displayName: '演示租户管理员' },
};

/** Users created after the tree, bound to units by code. */
export const DEMO_USERS: { username: string; displayName: string; role: TenantRole; unitCode: string }[] = [
  { username: 'auditor-province', displayName: '省委网信办审核员', role: 'auditor', unitCode: '430000-cac' },
  { username: 'auditor-changsha', displayName: '长沙市委网信办审核员', role: 'auditor', unitCode: '430100-cac' },
  { username: 'operator-tianxin', displayName: '天心区运维员', role: 'unit_operator', unitCode: '430103' },
  { username: 'lead-courts', displayName: '全省法院矩阵负责人', role: 'matrix_lead', unitCode: '430000-court' },
];

export const DEMO_CLIENT: { name: string; unitCode: string; scopes: ClientScope[] } = {
  name: '天心区政务新媒体报送平台',
  unitCode: '430103',
  scopes: ['read:own', 'report:filings', 'report:metrics'],
};

interface CityDef {
  code: string;
  name: string;
  /** County-level divisions: [GB/T 2260 code, name]. */
  counties: [string, string][];
}

/** The 14 prefecture-level divisions of Hunan and their 122 county-level divisions (GB/T 2260, 2021 codes). */
export const HUNAN_CITIES: CityDef[] = [
  {
    code: '430100',
    name: '长沙市',
    counties: [
      ['430102', '芙蓉区'],
      ['430103', '天心区'],
      ['430104', '岳麓区'],
      ['430105', '开福区'],
      ['430111', '雨花区'],
      ['430112', '望城区'],
      ['430121', '长沙县'],
      ['430181', '浏阳市'],
      ['430182', '宁乡市'],
    ],
  },
  {
    code: '430200',
    name: '株洲市',
    counties: [
      ['430202', '荷塘区'],
      ['430203', '芦淞区'],
      ['430204', '石峰区'],
      ['430211', '天元区'],
      ['430212', '渌口区'],
      ['430223', '攸县'],
      ['430224', '茶陵县'],
      ['430225', '炎陵县'],
      ['430281', '醴陵市'],
    ],
  },
  {
    code: '430300',
    name: '湘潭市',
    counties: [
      ['430302', '雨湖区'],
      ['430304', '岳塘区'],
      ['430321', '湘潭县'],
      ['430381', '湘乡市'],
      ['430382', '韶山市'],
    ],
  },
  {
    code: '430400',
    name: '衡阳市',
    counties: [
      ['430405', '珠晖区'],
      ['430406', '雁峰区'],
      ['430407', '石鼓区'],
      ['430408', '蒸湘区'],
      ['430412', '南岳区'],
      ['430421', '衡阳县'],
      ['430422', '衡南县'],
      ['430423', '衡山县'],
      ['430424', '衡东县'],
      ['430426', '祁东县'],
      ['430481', '耒阳市'],
      ['430482', '常宁市'],
    ],
  },
  {
    code: '430500',
    name: '邵阳市',
    counties: [
      ['430502', '双清区'],
      ['430503', '大祥区'],
      ['430511', '北塔区'],
      ['430522', '新邵县'],
      ['430523', '邵阳县'],
      ['430524', '隆回县'],
      ['430525', '洞口县'],
      ['430527', '绥宁县'],
      ['430528', '新宁县'],
      ['430529', '城步苗族自治县'],
      ['430581', '武冈市'],
      ['430582', '邵东市'],
    ],
  },
  {
    code: '430600',
    name: '岳阳市',
    counties: [
      ['430602', '岳阳楼区'],
      ['430603', '云溪区'],
      ['430611', '君山区'],
      ['430621', '岳阳县'],
      ['430623', '华容县'],
      ['430624', '湘阴县'],
      ['430626', '平江县'],
      ['430681', '汨罗市'],
      ['430682', '临湘市'],
    ],
  },
  {
    code: '430700',
    name: '常德市',
    counties: [
      ['430702', '武陵区'],
      ['430703', '鼎城区'],
      ['430721', '安乡县'],
      ['430722', '汉寿县'],
      ['430723', '澧县'],
      ['430724', '临澧县'],
      ['430725', '桃源县'],
      ['430726', '石门县'],
      ['430781', '津市市'],
    ],
  },
  {
    code: '430800',
    name: '张家界市',
    counties: [
      ['430802', '永定区'],
      ['430811', '武陵源区'],
      ['430821', '慈利县'],
      ['430822', '桑植县'],
    ],
  },
  {
    code: '430900',
    name: '益阳市',
    counties: [
      ['430902', '资阳区'],
      ['430903', '赫山区'],
      ['430921', '南县'],
      ['430922', '桃江县'],
      ['430923', '安化县'],
      ['430981', '沅江市'],
    ],
  },
  {
    code: '431000',
    name: '郴州市',
    counties: [
      ['431002', '北湖区'],
      ['431003', '苏仙区'],
      ['431021', '桂阳县'],
      ['431022', '宜章县'],
      ['431023', '永兴县'],
      ['431024', '嘉禾县'],
      ['431025', '临武县'],
      ['431026', '汝城县'],
      ['431027', '桂东县'],
      ['431028', '安仁县'],
      ['431081', '资兴市'],
    ],
  },
  {
    code: '431100',
    name: '永州市',
    counties: [
      ['431102', '零陵区'],
      ['431103', '冷水滩区'],
      ['431122', '东安县'],
      ['431123', '双牌县'],
      ['431124', '道县'],
      ['431125', '江永县'],
      ['431126', '宁远县'],
      ['431127', '蓝山县'],
      ['431128', '新田县'],
      ['431129', '江华瑶族自治县'],
      ['431181', '祁阳市'],
    ],
  },
  {
    code: '431200',
    name: '怀化市',
    counties: [
      ['431202', '鹤城区'],
      ['431221', '中方县'],
      ['431222', '沅陵县'],
      ['431223', '辰溪县'],
      ['431224', '溆浦县'],
      ['431225', '会同县'],
      ['431226', '麻阳苗族自治县'],
      ['431227', '新晃侗族自治县'],
      ['431228', '芷江侗族自治县'],
      ['431229', '靖州苗族侗族自治县'],
      ['431230', '通道侗族自治县'],
      ['431281', '洪江市'],
    ],
  },
  {
    code: '431300',
    name: '娄底市',
    counties: [
      ['431302', '娄星区'],
      ['431321', '双峰县'],
      ['431322', '新化县'],
      ['431381', '冷水江市'],
      ['431382', '涟源市'],
    ],
  },
  {
    code: '433100',
    name: '湘西土家族苗族自治州',
    counties: [
      ['433101', '吉首市'],
      ['433122', '泸溪县'],
      ['433123', '凤凰县'],
      ['433124', '花垣县'],
      ['433125', '保靖县'],
      ['433126', '古丈县'],
      ['433127', '永顺县'],
      ['433130', '龙山县'],
    ],
  },
];

/** Vertical systems present at every level: province → city → county, each tier the sector parent of the next. */
interface SystemDef {
  key: string;
  sector: string;
  province: { name: string; shortName: string };
  city: (city: string, short: string) => { name: string; shortName: string };
  county: (full: string, short: string, county: CountyNames) => { name: string; shortName: string };
  supervisor?: boolean;
}

interface CountyNames {
  city: string;
  county: string;
  district: boolean;
}

const SYSTEMS: SystemDef[] = [
  {
    key: 'cac',
    sector: 'cyberspace',
    supervisor: true,
    province: { name: '中共湖南省委网络安全和信息化委员会办公室', shortName: '湖南网信' },
    city: (city, short) => ({ name: `中共${city}委网络安全和信息化委员会办公室`, shortName: `${short}网信` }),
    county: (full, short) => ({ name: `中共${full}委网络安全和信息化委员会办公室`, shortName: `${short}网信` }),
  },
  {
    key: 'police',
    sector: 'public_security',
    province: { name: '湖南省公安厅', shortName: '湖南公安' },
    city: (city, short) => ({ name: `${city}公安局`, shortName: `${short}公安` }),
    // A district's police is a branch of the city's bureau (长沙市公安局天心分局); a county has its own bureau.
    county: (full, short, names) =>
      names.district
        ? { name: `${names.city}公安局${stripSuffix(names.county)}分局`, shortName: `${short}公安` }
        : { name: `${full}公安局`, shortName: `${short}公安` },
  },
  {
    key: 'court',
    sector: 'court',
    province: { name: '湖南省高级人民法院', shortName: '湖南高院' },
    city: (city, short) => ({ name: `${city}中级人民法院`, shortName: `${short}中院` }),
    county: (full, short) => ({ name: `${full}人民法院`, shortName: `${short}法院` }),
  },
  {
    key: 'procuratorate',
    sector: 'procuratorate',
    province: { name: '湖南省人民检察院', shortName: '湖南检察' },
    city: (city, short) => ({ name: `${city}人民检察院`, shortName: `${short}检察` }),
    county: (full, short) => ({ name: `${full}人民检察院`, shortName: `${short}检察` }),
  },
];

/** Bureaus only the county tier carries in the demo. */
const COUNTY_BUREAUS: { key: string; sector: string; name: (full: string) => string; short: string }[] = [
  { key: 'justice', sector: 'justice', name: (full) => `${full}司法局`, short: '司法' },
  { key: 'tourism', sector: 'tourism', name: (full) => `${full}文化旅游广电体育局`, short: '文旅' },
  { key: 'youth', sector: 'youth_league', name: (full) => `共青团${full}委员会`, short: '团委' },
  { key: 'transport', sector: 'transport', name: (full) => `${full}交通运输局`, short: '交通' },
  { key: 'emergency', sector: 'emergency', name: (full) => `${full}应急管理局`, short: '应急' },
  { key: 'weather', sector: 'weather', name: (full) => `${full}气象局`, short: '气象' },
  { key: 'health', sector: 'health', name: (full) => `${full}卫生健康局`, short: '卫健' },
  { key: 'education', sector: 'education', name: (full) => `${full}教育局`, short: '教育' },
  { key: 'media', sector: 'publicity', name: (full) => `${full}融媒体中心`, short: '融媒' },
];

const stripSuffix = (name: string): string => (name.length <= 2 ? name : name.slice(0, -1));

/** The name a region goes by in short names: 天心区 → 天心, 城步苗族自治县 → 城步, 湘西土家族苗族自治州 → 湘西, 南县 → 南县. */
export function shortNameOf(name: string): string {
  if (/自治[州县]$/.test(name)) return name.slice(0, 2);
  return stripSuffix(name);
}

/** The code of a bureau of a region, e.g. 430103-court. */
export const bureauCode = (regionCode: string, key: string): string => `${regionCode}-${key}`;

/**
 * The demo tree below the tenant's root (湖南省, code 430000), parents first, as import rows:
 * 14 cities, 122 counties, a cyberspace office for every region, the court, police and
 * procuratorate systems linked by sector parent, and a typical set of county bureaus.
 */
export function buildDemoTree(): ImportUnitRowDto[] {
  const root = DEMO_TENANT.root.code;
  const rows: ImportUnitRowDto[] = [];
  const citiesShort = new Set(HUNAN_CITIES.map((c) => shortNameOf(c.name)));

  for (const system of SYSTEMS) {
    rows.push({
      code: bureauCode(root, system.key),
      parentCode: root,
      level: 'bureau',
      sector: system.sector,
      ...system.province,
      ...(system.supervisor ? { supervisor: true } : {}),
    });
  }

  for (const city of HUNAN_CITIES) {
    const cityShort = shortNameOf(city.name);
    rows.push({ code: city.code, parentCode: root, name: city.name, shortName: cityShort, level: 'city', divisionCode: city.code });
    for (const system of SYSTEMS) {
      rows.push({
        code: bureauCode(city.code, system.key),
        parentCode: city.code,
        level: 'bureau',
        sector: system.sector,
        sectorParentCode: bureauCode(root, system.key),
        ...system.city(city.name, cityShort),
        ...(system.supervisor ? { supervisor: true } : {}),
      });
    }

    for (const [countyCode, countyName] of city.counties) {
      const district = countyName.endsWith('区');
      const full = district ? `${city.name}${countyName}` : countyName;
      // 长沙县 is not 长沙: where the short form would be the city's, keep the county's full name.
      const short = citiesShort.has(shortNameOf(countyName)) ? countyName : shortNameOf(countyName);
      rows.push({ code: countyCode, parentCode: city.code, name: full, shortName: short, level: 'county', divisionCode: countyCode });
      for (const system of SYSTEMS) {
        rows.push({
          code: bureauCode(countyCode, system.key),
          parentCode: countyCode,
          level: 'bureau',
          sector: system.sector,
          sectorParentCode: bureauCode(city.code, system.key),
          ...system.county(full, short, { city: city.name, county: countyName, district }),
          ...(system.supervisor ? { supervisor: true } : {}),
        });
      }
      for (const bureau of COUNTY_BUREAUS) {
        rows.push({
          code: bureauCode(countyCode, bureau.key),
          parentCode: countyCode,
          name: bureau.name(full),
          shortName: `${short}${bureau.short}`,
          level: 'bureau',
          sector: bureau.sector,
        });
      }
    }
  }
  return rows;
}
