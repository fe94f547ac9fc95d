// The xlsx writer, checked by reading its files back with the reader: at once and streamed in pieces, with text
// that needs escaping, numbers, dates, and a sheet large enough to span many deflate runs.
import { expect, test } from 'vitest';
import { readXlsx, writeXlsx, xlsxRow, xlsxStream } from './xlsx.ts';

async function collect(pieces: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const piece of pieces) out.push(piece);
  return Buffer.concat(out);
}

test('a workbook written at once reads back cell for cell, escaping and control characters included', () => {
  const rows = readXlsx(
    writeXlsx([
      ['姓名', '备注', '金额'],
      ['张<三>', 'a & "b"\n第二行\u0007', 12.5],
      ['=1+1', '🍵 茶语', -3],
    ]),
  );
  expect(rows).toEqual([
    { line: 1, cells: ['姓名', '备注', '金额'] },
    { line: 2, cells: ['张<三>', 'a & "b"\n第二行', '12.5'] },
    { line: 3, cells: ['=1+1', '🍵 茶语', '-3'] },
  ]);
});

test('a streamed workbook of 20,000 rows in 40 pieces reads back whole and in order', async () => {
  const pieces = async function* () {
    yield xlsxRow(1, ['编号', '手机号', '时间']);
    for (let p = 0; p < 40; p++) {
      let xml = '';
      for (let i = 0; i < 500; i++) {
        const n = p * 500 + i;
        xml += xlsxRow(n + 2, [
          n,
          `+86139${String(n).padStart(8, '0')}`,
          new Date(Date.UTC(2026, 0, 1, 8, 30, n % 60)),
        ]);
      }
      yield xml;
    }
  };
  const file = await collect(xlsxStream(pieces(), '会员/名单'));
  const rows = readXlsx(file);
  expect(rows).toHaveLength(20_001);
  expect(rows[0]).toEqual({ line: 1, cells: ['编号', '手机号', '时间'] });
  expect(rows[12_346]).toEqual({ line: 12_347, cells: ['12345', '+8613900012345', '2026-01-01 08:30:45'] });
  expect(rows.map((r) => r.line)).toEqual(rows.map((_, i) => i + 1));
  // Deflate did its work: 20,000 rows of about 200 bytes of XML each shrink to a fraction.
  expect(file.length).toBeLessThan(1_000_000);
});
