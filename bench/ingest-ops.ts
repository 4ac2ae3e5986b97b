/**
 * The EntityStore ops `AlertService.create` writes for one alert of the ingestion benchmark
 * (the alert, its uniqueness claim, its audit record and its observables), shared by
 * `ingest-store.ts` (storage limit through the port) and `ingest-sqlite.ts` (the SQLite work
 * of a group commit, measured on the writer's own connection).
 */
import type { BatchOp } from '../packages/server/src/storage/entity-store.js';
import { alertKey, alertScope } from '../packages/server/src/services/alert.service.js';
import { alertPayload } from './lib/alert-payload.mjs';

const login = 'bench-store@waggle.local';

/** The ops of alert number `n` with `observables` observables, for organisation `org`. */
export function alertOps(newId: () => string, org: string, ref: string, n: number, observables: number): BatchOp[] {
  const input = alertPayload(ref, observables, n);
  const now = Date.now();
  const id = newId();
  const alert = {
    _id: id,
    _type: 'alert',
    _createdAt: now,
    _createdBy: login,
    _updatedAt: now,
    _updatedBy: login,
    _orgs: [org],
    _parents: {},
    type: input.type,
    source: input.source,
    sourceRef: input.sourceRef,
    title: input.title,
    description: input.description,
    severity: input.severity,
    date: now,
    tags: input.tags,
    flag: false,
    tlp: 2,
    pap: 2,
    customFields: [],
    status: 'New',
    stage: 'New',
    follow: true,
    read: false,
    newDate: now,
    timeToDetect: 0,
    observableCount: observables,
  };
  const ops: BatchOp[] = [
    { op: 'claim', scope: alertScope(org), key: alertKey(input), owner: id },
    { op: 'insert', doc: alert },
    {
      op: 'insert',
      doc: {
        _id: newId(),
        _type: 'audit',
        _createdAt: now,
        _createdBy: login,
        _orgs: [org],
        _parents: { alert: id },
        operation: 'create',
        objectType: 'Alert',
        objectId: id,
        rootId: id,
        requestId: 'bench',
        details: { title: input.title, type: input.type, source: input.source, sourceRef: input.sourceRef, observableCount: observables },
        mainAction: true,
      },
    },
  ];
  for (const o of input.observables) {
    const obs = {
      _id: newId(),
      _type: 'observable',
      _createdAt: now,
      _createdBy: login,
      _orgs: [org],
      _parents: { alert: id },
      dataType: o.dataType,
      data: o.data,
      startDate: now,
      tlp: 2,
      pap: 2,
      tags: [],
      ioc: false,
      sighted: false,
      ignoreSimilarity: false,
      reports: {},
    };
    // no per-observable claim: AlertService.create writes none for the observables of a new alert
    ops.push({ op: 'insert', doc: obs });
  }
  return ops;
}
