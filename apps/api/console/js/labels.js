// Chinese names of the API's codes.

const named = (names) => (code) => names[code] ?? code ?? '—';

export const PLATFORMS = {
  weibo: '微博',
  wechat: '微信公众号',
  douyin: '抖音',
  kuaishou: '快手',
  toutiao: '今日头条',
  bilibili: '哔哩哔哩',
  xiaohongshu: '小红书',
  video_channel: '视频号',
  mini_program: '小程序',
  app: '客户端',
  website_column: '网站栏目',
  other: '其他',
};
export const platform = named(PLATFORMS);

export const LEVELS = { province: '省级', city: '市级', county: '县级', bureau: '部门' };
export const level = named(LEVELS);

export const SECTORS = {
  government: '人民政府',
  publicity: '宣传',
  cyberspace: '网信',
  public_security: '公安',
  court: '法院',
  procuratorate: '检察',
  justice: '司法',
  tourism: '文旅',
  youth_league: '共青团',
  transport: '交通',
  emergency: '应急',
  weather: '气象',
  health: '卫健',
  education: '教育',
};
export const sector = named(SECTORS);

export const ACCOUNT_STATUSES = {
  pending_filing: '待备案',
  active: '正常运营',
  rectifying: '整改中',
  closing: '注销中',
  closed: '已注销',
  force_closed: '责令关闭',
};
export const accountStatus = named(ACCOUNT_STATUSES);

export const FILING_KINDS = { opening: '开设备案', change: '变更备案', closure: '注销备案' };
export const filingKind = named(FILING_KINDS);
export const FILING_STATUSES = { submitted: '待审核', accepted: '已通过', returned: '已退回' };
export const filingStatus = named(FILING_STATUSES);

export const FINDING_KINDS = {
  filing_overdue: '逾期未备案',
  inactive_14d: '两周未更新（僵尸号）',
  low_activity: '更新频次不足',
  unanswered_messages: '留言未回复',
  naming: '名称不规范',
  no_interaction_function: '互动功能缺失',
  content_error: '内容错误',
  secrecy_incident: '失泄密事件',
  faked_influence: '虚假影响力',
  other: '其他问题',
};
export const findingKind = named(FINDING_KINDS);
export const FINDING_STATUSES = { open: '未关闭', closed: '已关闭' };
export const findingStatus = named(FINDING_STATUSES);

export const MEASURES = {
  order_deletion: '责令删除',
  talk: '约谈',
  warning: '警告',
  public_notice: '通报',
  forced_closure: '责令关闭',
};
export const measure = named(MEASURES);
export const CASE_STATUSES = { awaiting_rectification: '待整改', rectification_submitted: '整改已报送', resolved: '已办结' };
export const caseStatus = named(CASE_STATUSES);

export const ROLES = {
  tenant_admin: '租户管理员',
  auditor: '网信审核员',
  unit_operator: '单位运维员',
  matrix_lead: '矩阵负责人',
  operator: '平台运营',
};
export const role = named(ROLES);

export const PERSON_ROLES = {
  first_responsible: '第一责任人',
  main_responsible: '主要责任人',
  chief_editor: '总编辑',
  operator: '运维人员',
};
export const personRole = named(PERSON_ROLES);
