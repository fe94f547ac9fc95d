// CSV as RFC 4180 describes it (quoted fields, doubled quotes, line breaks inside quotes, CRLF or LF), read from
// UTF-8 with or without a BOM, or from GB18030 — what Excel on a Chinese Windows saves as "CSV".
export interface TableRow {
  /** Line of the file where the record starts (1-based); the header is line 1. */
  line: number;
  cells: string[];
}

export function decodeText(data: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(data);
  } catch {
    return new TextDecoder('gb18030').decode(data);
  }
}

export function parseCsv(text: string): TableRow[] {
  const rows: TableRow[] = [];
  let cells: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    cells.push(field);
    // A blank line is no record; a record of empty cells (",,,") is kept for the caller to judge.
    if (cells.length > 1 || cells[0] !== '') rows.push({ line: start, cells });
    cells = [];
    field = '';
  };
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      cells.push(field);
      field = '';
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else field += ch;
  }
  if (field !== '' || cells.length > 0) endRecord();
  return rows;
}
