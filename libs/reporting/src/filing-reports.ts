import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AuthContext, dbScopeOf } from '@govmatrix/auth';
import { AppError, toFieldErrors, ValidationError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { ChangeFilingDto, ClosureFilingDto, FilingsService, OpeningFilingDto } from '@govmatrix/ledger';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { IdempotencyService, IdempotentAnswer } from './idempotency';
import { MAX_BATCH_ROWS, ReportResultDto } from './reports.dto';
import { BatchRequest } from './reports.service';
import { RowError, validateRows } from './row-validation';

// Not a *.dto.ts file, so the Swagger plugin does not document these classes: every property is decorated.
export class FilingRowDto {
  @ApiProperty({ format: 'uuid' })
  accountId: string;
  @ApiProperty({ enum: ['opening', 'change', 'closure'] })
  kind: 'opening' | 'change' | 'closure';
  /** The fields of the kind's filing: see OpeningFilingDto, ChangeFilingDto, ClosureFilingDto. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  details: Record<string, unknown>;
}

export class FilingsReportDto {
  @ApiProperty({ type: [FilingRowDto], maxItems: 500 })
  rows: FilingRowDto[];
}

export class FiledRowDto {
  @ApiProperty({ description: 'Index of the row in `rows`.' })
  index: number;
  @ApiProperty({ format: 'uuid' })
  filingId: string;
}

export class FilingsReportResultDto extends ReportResultDto {
  @ApiProperty({ type: [FiledRowDto], description: 'The filings created, by row.' })
  filings: FiledRowDto[];
}

const DETAILS = { opening: OpeningFilingDto, change: ChangeFilingDto, closure: ClosureFilingDto } as const;
export const MAX_FILING_ROWS = Math.min(500, MAX_BATCH_ROWS);

/**
 * Filings reported in bulk by a portal, through the same rules as one by one (R1–R3, R6). Each
 * row runs in a savepoint: a refused row leaves no trace and the others stand.
 */
@Injectable()
export class FilingReportsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly filings: FilingsService,
    private readonly idempotency: IdempotencyService,
  ) {}

  report(auth: AuthContext, request: BatchRequest): Promise<IdempotentAnswer<FilingsReportResultDto>> {
    const caller = requireTenantCaller(auth);
    const rows = (request.body as { rows?: unknown } | null)?.rows;
    if (!Array.isArray(rows) || rows.length === 0 || rows.length > MAX_FILING_ROWS) {
      throw new ValidationError(`The body must be { rows: [...] } with 1–${MAX_FILING_ROWS} filings`, [
        { pointer: '/rows', reason: `must be an array of 1–${MAX_FILING_ROWS} rows` },
      ]);
    }
    return this.tx.run(dbScopeOf(caller), () =>
      this.idempotency.run(
        { tenantId: caller.tenantId, subjectId: caller.subjectId },
        request.idempotencyKey,
        request.requestHash,
        async () => {
          const { valid, errors } = validateRows<{ accountId: string; kind: keyof typeof DETAILS; details: Record<string, unknown> }>(
            rows,
            {
              accountId: { type: 'uuid', required: true },
              kind: { type: 'enum', values: ['opening', 'change', 'closure'], required: true },
              details: { type: 'object', required: true }, // its fields: checked below by the kind's DTO
            },
          );
          const filed: FiledRowDto[] = [];
          for (const { index, row } of valid) {
            const problem = await this.fileOne(auth, row).then(
              (filingId) => {
                filed.push({ index, filingId });
                return undefined;
              },
              (error: unknown) => error,
            );
            if (problem) errors.push(...rowErrors(index, problem));
          }
          errors.sort((a, b) => a.index - b.index);
          if (request.atomic && errors.length > 0) {
            throw new ValidationError(
              `${new Set(errors.map((e) => e.index)).size} of ${rows.length} filings were refused; nothing was filed`,
              errors,
            );
          }
          return {
            status: 200,
            body: {
              received: rows.length,
              accepted: filed.length,
              rejected: new Set(errors.map((e) => e.index)).size,
              inserted: filed.length,
              updated: 0,
              unchanged: 0,
              errors,
              filings: filed,
            },
          };
        },
      ),
    );
  }

  private async fileOne(auth: AuthContext, row: { accountId: string; kind: keyof typeof DETAILS; details: unknown }): Promise<string> {
    const dto = plainToInstance(DETAILS[row.kind] as new () => object, row.details ?? {});
    const invalid = toFieldErrors(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }), '/details');
    if (invalid.length > 0) throw new ValidationError('The filing details are invalid', invalid);
    return this.tx.savepoint(async () => {
      switch (row.kind) {
        case 'opening':
          return (await this.filings.submitOpening(auth, row.accountId, dto as OpeningFilingDto)).id;
        case 'change':
          return (await this.filings.submitChange(auth, row.accountId, dto as ChangeFilingDto)).id;
        case 'closure':
          return (await this.filings.submitClosure(auth, row.accountId, dto as ClosureFilingDto)).id;
      }
    });
  }
}

/** A refused filing as row errors: its field errors re-rooted under the row, or one error with its reason. */
function rowErrors(index: number, error: unknown): RowError[] {
  if (!(error instanceof AppError)) throw error;
  const reason = error.status === 404 ? 'no such account in your scope' : error.message;
  if (error.errors.length === 0) {
    const field = error.status === 404 ? 'accountId' : '';
    return [{ index, pointer: `/rows/${index}${field ? `/${field}` : ''}`, field, reason }];
  }
  return error.errors.map((e) => ({
    index,
    pointer: `/rows/${index}${e.pointer}`,
    field: e.pointer.split('/').pop() ?? '',
    reason: e.reason,
  }));
}
