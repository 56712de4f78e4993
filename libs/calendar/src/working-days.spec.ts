import { bundledArrangements } from './bundled-calendar';
import { addWorkingDays, isWorkingDay, workingDaysBetween } from './working-days';

const calendar = bundledArrangements();

describe('working days', () => {
  it('counts 10 working days from 2026-09-28 across National Day to 2026-10-16 (10 October is a make-up workday)', () => {
    expect(addWorkingDays('2026-09-28', 10, calendar)).toEqual({ dueOn: '2026-10-16', provisional: false });
  });

  it('treats a make-up Saturday as working and a weekday holiday as off', () => {
    expect(isWorkingDay('2026-10-10', calendar)).toEqual({ working: true, known: true });
    expect(isWorkingDay('2026-10-05', calendar)).toEqual({ working: false, known: true });
    expect(isWorkingDay('2026-10-11', calendar)).toEqual({ working: false, known: true });
  });

  it('counts 5 working days for a closure from the next working day', () => {
    // Friday 2026-10-09 → 10 (Sat, make-up), 12, 13, 14, 15.
    expect(addWorkingDays('2026-10-09', 5, calendar)).toEqual({ dueOn: '2026-10-15', provisional: false });
  });

  it('falls back to weekends only, flagged provisional, in a year the calendar does not know', () => {
    // 2027 is not in the bundled package: 2027-09-30 is a Thursday; Fri 1 Oct … Thu 14 Oct.
    expect(addWorkingDays('2027-09-30', 10, calendar)).toEqual({ dueOn: '2027-10-14', provisional: true });
  });

  it('is provisional as soon as one counted day crosses into an unknown year', () => {
    const deadline = addWorkingDays('2026-12-28', 10, calendar);
    expect(deadline.provisional).toBe(true);
    expect(deadline.dueOn).toBe('2027-01-11');
  });

  it('counts the working days between two dates', () => {
    expect(workingDaysBetween('2026-09-28', '2026-10-16', calendar)).toBe(10);
    expect(workingDaysBetween('2026-10-16', '2026-10-16', calendar)).toBe(0);
  });

  it('rejects nonsense input', () => {
    expect(() => addWorkingDays('2026-02-30', 1, calendar)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-09-28', 0, calendar)).toThrow(RangeError);
  });
});
