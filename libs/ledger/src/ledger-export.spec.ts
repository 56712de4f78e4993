import { contentDisposition, csvField, csvRecord, EXPORT_COLUMNS, exportFileName, exportHeaders } from './ledger-export';

describe('ledger export formatting', () => {
  it('quotes CSV fields per RFC 4180 only when needed', () => {
    expect(csvField('长沙发布')).toBe('长沙发布');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvRecord(['a', null, 'b,c'])).toBe('a,,"b,c"\r\n');
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('+86 138****5678')).toBe("'+86 138****5678");
    expect(csvField('-2')).toBe("'-2");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvField('a=b')).toBe('a=b');
  });

  it('names the file with the day in China and offers an ASCII fallback', () => {
    // 2026-11-23 18:00 UTC is already the 24th in Beijing.
    const now = new Date('2026-11-23T18:00:00Z');
    expect(exportFileName('csv', 'zh', now)).toBe('政务新媒体账号台账-2026-11-24.csv');
    expect(exportFileName('xlsx', 'en', now)).toBe('accounts-2026-11-24.xlsx');
    expect(contentDisposition('政务新媒体账号台账-2026-11-24.csv')).toBe(
      `attachment; filename="accounts-2026-11-24.csv"; filename*=UTF-8''${encodeURIComponent('政务新媒体账号台账-2026-11-24.csv')}`,
    );
    expect(contentDisposition('accounts-2026-11-24.xlsx')).toBe(
      `attachment; filename="accounts-2026-11-24.xlsx"; filename*=UTF-8''accounts-2026-11-24.xlsx`,
    );
  });

  it('has a Chinese and an English header for every column', () => {
    expect(exportHeaders('zh')).toHaveLength(EXPORT_COLUMNS.length);
    expect(new Set(exportHeaders('zh')).size).toBe(EXPORT_COLUMNS.length);
    expect(new Set(exportHeaders('en')).size).toBe(EXPORT_COLUMNS.length);
    expect(exportHeaders('zh').slice(0, 2)).toEqual(['账号名称', '平台']);
  });
});
