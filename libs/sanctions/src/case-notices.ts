import { MEASURE_NAMES_ZH } from './case-rules';
import { NewStep } from './cases.repository';
import { NewNotice } from './notices.repository';

/** What a notice says about a case step, in the words the unit reads (Chinese, with the dates). */
export function noticeFor(step: NewStep, c: { accountId: string; accountName: string; decision?: string }): NewNotice {
  const measure = MEASURE_NAMES_ZH[step.measure];
  const name = `「${c.accountName}」`;
  const due = `整改期限：${step.dueOn}${step.dueProvisional ? '（暂按周末计算）' : ''}`;
  const texts: Record<NewStep['kind'], [string, string]> = {
    opened: [
      `处置决定（${measure}）：${name}`,
      `${c.decision ?? step.details.note ?? ''}\n处置措施：${measure}。${due}。请按期整改并提交整改报告。`,
    ],
    rectification_submitted: [`整改报告已收到：${name}`, `整改报告已提交，等待网信部门审核。`],
    accepted: [`整改已通过：${name}`, `整改已审核通过，本案办结。${step.details.note ? `\n审核意见：${step.details.note}` : ''}`],
    returned: [
      `整改报告被退回：${name}`,
      `退回理由：\n${(step.details.reasons ?? []).map((r, i) => `${i + 1}. ${r}`).join('\n')}\n${due}。请重新整改并提交。`,
    ],
    escalated: [
      `处置升级（${measure}）：${name}`,
      `逾期未整改，处置措施由${MEASURE_NAMES_ZH[step.details.previousMeasure ?? step.measure]}升级为${measure}。${due}。`,
    ],
  };
  const [title, message] = texts[step.kind];
  return {
    unitId: step.unitId,
    accountId: c.accountId,
    caseId: step.caseId,
    stepSeq: step.seq,
    kind: step.kind,
    measure: step.measure,
    dueOn: step.dueOn,
    title,
    message,
  };
}
