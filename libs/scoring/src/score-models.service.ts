import { Injectable } from '@nestjs/common';
import { AuditService } from '@govmatrix/audit';
import { AuthContext, dbScopeOf } from '@govmatrix/auth';
import { ConflictError, NotFoundError, ValidationError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { INDICATORS, INDICATOR_KEYS, modelErrors, presetOf, PRESETS, ScoreModelDefinition } from './score-model';
import { ScoreModelRecord, ScoreModelsRepository } from './score-models.repository';
import { ScoringSettingsRepository } from './scoring-settings';
import {
  CreateScoreModelDto,
  IndicatorListDto,
  ListScoreModelsQueryDto,
  ScoreModelDefinitionDto,
  ScoreModelDto,
  ScoreModelListDto,
  ScoreModelPresetListDto,
} from './scoring.dto';

export const toScoreModelDto = (m: ScoreModelRecord): ScoreModelDto => ({
  id: m.id,
  key: m.key,
  version: m.version,
  name: m.name,
  description: m.description,
  preset: m.preset,
  definition: m.definition as ScoreModelDefinitionDto,
  createdAt: new Date(m.createdAt).toISOString(),
});

/** The definition as stored: plain data in a fixed key order, nothing the DTO did not declare. */
function canonical(d: ScoreModelDefinition): ScoreModelDefinition {
  return {
    normalization: d.normalization,
    transform: d.transform,
    scale: d.scale,
    indices: d.indices.map((index) => ({
      key: index.key,
      ...(index.label !== undefined ? { label: index.label } : {}),
      weight: index.weight,
      indicators: index.indicators.map((i) => ({
        indicator: i.indicator,
        weight: i.weight,
        ...(i.normalization !== undefined ? { normalization: i.normalization } : {}),
        ...(i.factor !== undefined ? { factor: i.factor } : {}),
        ...(i.lowerIsBetter !== undefined ? { lowerIsBetter: i.lowerIsBetter } : {}),
      })),
    })),
    vetoes: d.vetoes.map((v) => ({ when: v.when, cap: v.cap })),
  };
}

/** Who made a model version or a run: a user or client, or the scheduled assessment. */
export interface Actor {
  kind: string;
  subjectId: string | null;
}

/** Score models as versioned data per tenant; presets are templates a version can start from. */
@Injectable()
export class ScoreModelsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly models: ScoreModelsRepository,
    private readonly settings: ScoringSettingsRepository,
    private readonly audit: AuditService,
  ) {}

  presets(): ScoreModelPresetListDto {
    return { items: PRESETS.map((p) => ({ ...p, definition: p.definition as ScoreModelDefinitionDto })) };
  }

  indicators(): IndicatorListDto {
    return { items: INDICATOR_KEYS.map((key) => ({ key, description: INDICATORS[key] })) };
  }

  list(auth: AuthContext, query: ListScoreModelsQueryDto): Promise<ScoreModelListDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => ({
      items: (await this.models.list(caller.tenantId, query.key)).map(toScoreModelDto),
    }));
  }

  get(auth: AuthContext, id: string): Promise<ScoreModelDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const model = await this.models.get(caller.tenantId, id);
      if (!model) throw new NotFoundError('Score model', id);
      return toScoreModelDto(model);
    });
  }

  /** A new version of `key` (version 1 when the key is new), immutable from then on. */
  create(auth: AuthContext, dto: CreateScoreModelDto): Promise<ScoreModelDto> {
    const caller = requireTenantCaller(auth);
    const definition = dto.definition ?? (dto.preset ? presetOf(dto.preset)?.definition : undefined);
    if (!definition)
      throw new ValidationError('A model needs a definition or a preset', [
        { pointer: '/definition', reason: 'required unless a preset is named' },
      ]);
    const errors = modelErrors(definition);
    if (errors.length > 0) throw new ValidationError('The model definition is inconsistent', errors);
    return this.tx.run(dbScopeOf(caller), async () =>
      toScoreModelDto(
        await this.createVersion(caller, caller.tenantId, {
          key: dto.key,
          name: dto.name,
          description: dto.description ?? null,
          preset: dto.preset ?? null,
          definition,
        }),
      ),
    );
  }

  /**
   * The model a run uses: the version asked for, else the latest version of the tenant's configured
   * key — created from the preset of that name on first use, so that every score points at a stored
   * version. Runs inside the caller's transaction.
   */
  async resolve(actor: Actor, tenantId: string, modelId?: string): Promise<ScoreModelRecord> {
    if (modelId) {
      const model = await this.models.get(tenantId, modelId);
      if (!model) throw new NotFoundError('Score model', modelId);
      return model;
    }
    const { modelKey } = await this.settings.get(tenantId);
    const latest = await this.models.latest(tenantId, modelKey);
    if (latest) return latest;
    const preset = presetOf(modelKey);
    if (!preset)
      throw new ConflictError('model_missing', `The configured model ${modelKey} has no version yet: create one (POST /v1/scoring/models)`);
    return this.createVersion(actor, tenantId, {
      key: preset.key,
      name: preset.name,
      description: preset.description,
      preset: preset.key,
      definition: preset.definition,
    });
  }

  private async createVersion(
    actor: Actor,
    tenantId: string,
    model: { key: string; name: string; description: string | null; preset: string | null; definition: ScoreModelDefinition },
  ): Promise<ScoreModelRecord> {
    const record = await this.models.insertVersion(tenantId, {
      ...model,
      definition: canonical(model.definition),
      createdByKind: actor.kind,
      createdBy: actor.subjectId,
    });
    await this.audit.record(actor as AuthContext, tenantId, {
      entityType: 'score_model',
      entityId: record.id,
      action: 'create_version',
      after: { key: record.key, version: record.version, name: record.name, preset: record.preset, definition: record.definition },
    });
    return record;
  }
}
