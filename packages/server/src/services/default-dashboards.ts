/**
 * The dashboards every organisation gets (shared, created at organisation creation and at
 * start-up for organisations that lack them), replacing TheHive's old Statistics page: cases by
 * status, resolution and impact over time; alerts by type and source; observables by type, IOC
 * and sighted; analyzer usage; open cases per assignee; top tags. Each has a stable `key`, so
 * creating them again is a no-op, and a user who deletes one does not get it back.
 */
import type { Definition } from './dashboard-definition.js';

export interface DefaultDashboard {
  key: string;
  title: string;
  description: string;
  definition: Definition;
}

const OPEN = { _not: { _eq: { _field: 'stage', _value: 'Closed' } } };
const CLOSED = { _eq: { _field: 'stage', _value: 'Closed' } };
const at = (x: number, y: number, w = 6, h = 4) => ({ x, y, w, h });

export const DEFAULT_DASHBOARDS: readonly DefaultDashboard[] = [
  {
    key: 'cases',
    title: 'Cases',
    description: 'Cases by status, resolution and impact over time; open cases per assignee; top tags',
    definition: {
      period: 'last30Days',
      widgets: [
        {
          id: 'open',
          type: 'counter',
          title: 'Open cases',
          entity: 'case',
          filter: OPEN,
          period: 'all',
          aggregation: { kind: 'count' },
          layout: at(0, 0, 3, 2),
        },
        {
          id: 'duration',
          type: 'counter',
          title: 'Average case duration (ms)',
          entity: 'case',
          filter: CLOSED,
          aggregation: { kind: 'avg', field: 'duration' },
          layout: at(3, 0, 3, 2),
        },
        {
          id: 'statusOverTime',
          type: 'bar',
          stacked: true,
          title: 'Cases by status over time',
          entity: 'case',
          aggregation: { kind: 'histogram', field: '_createdAt', interval: 'day', aggs: [{ kind: 'terms', field: 'status', size: 10 }] },
          layout: at(6, 0, 6, 4),
        },
        { id: 'status', type: 'donut', title: 'Cases by status', entity: 'case', aggregation: { kind: 'terms', field: 'status', size: 10 }, layout: at(0, 2) },
        {
          id: 'resolution',
          type: 'donut',
          title: 'Closed cases by resolution',
          entity: 'case',
          filter: CLOSED,
          aggregation: { kind: 'terms', field: 'status', size: 10 },
          layout: at(0, 6),
        },
        {
          id: 'impact',
          type: 'line',
          title: 'Closed cases by impact over time',
          entity: 'case',
          filter: CLOSED,
          aggregation: { kind: 'histogram', field: '_createdAt', interval: 'week', aggs: [{ kind: 'terms', field: 'impactStatus', size: 5 }] },
          layout: at(6, 4),
        },
        {
          id: 'assignee',
          type: 'bar',
          title: 'Open cases per assignee',
          entity: 'case',
          filter: OPEN,
          period: 'all',
          aggregation: { kind: 'terms', field: 'assignee', size: 20 },
          layout: at(6, 8),
        },
        { id: 'tags', type: 'bar', title: 'Top case tags', entity: 'case', aggregation: { kind: 'terms', field: 'tags', size: 15 }, layout: at(0, 10) },
      ],
    },
  },
  {
    key: 'alerts',
    title: 'Alerts',
    description: 'Alerts by type and source, over time, and their top tags',
    definition: {
      period: 'last30Days',
      widgets: [
        { id: 'count', type: 'counter', title: 'Alerts', entity: 'alert', aggregation: { kind: 'count' }, layout: at(0, 0, 3, 2) },
        {
          id: 'new',
          type: 'counter',
          title: 'New alerts',
          entity: 'alert',
          filter: { _eq: { _field: 'stage', _value: 'New' } },
          aggregation: { kind: 'count' },
          layout: at(3, 0, 3, 2),
        },
        { id: 'type', type: 'donut', title: 'Alerts by type', entity: 'alert', aggregation: { kind: 'terms', field: 'type', size: 10 }, layout: at(0, 2) },
        { id: 'source', type: 'bar', title: 'Alerts by source', entity: 'alert', aggregation: { kind: 'terms', field: 'source', size: 15 }, layout: at(6, 0) },
        {
          id: 'overTime',
          type: 'multiline',
          title: 'Alerts per day by type',
          entity: 'alert',
          aggregation: { kind: 'histogram', field: '_createdAt', interval: 'day', aggs: [{ kind: 'terms', field: 'type', size: 5 }] },
          layout: at(0, 6, 12, 4),
        },
        { id: 'tags', type: 'bar', title: 'Top alert tags', entity: 'alert', aggregation: { kind: 'terms', field: 'tags', size: 15 }, layout: at(6, 4) },
      ],
    },
  },
  {
    key: 'observables',
    title: 'Observables',
    description: 'Observables by type, IOC and sighted, and their top tags',
    definition: {
      period: 'last30Days',
      widgets: [
        {
          id: 'type',
          type: 'bar',
          title: 'Observables by type',
          entity: 'observable',
          aggregation: { kind: 'terms', field: 'dataType', size: 20 },
          layout: at(0, 0),
        },
        { id: 'ioc', type: 'pie', title: 'IOC', entity: 'observable', aggregation: { kind: 'terms', field: 'ioc', size: 2 }, layout: at(6, 0, 3, 4) },
        {
          id: 'sighted',
          type: 'pie',
          title: 'Sighted',
          entity: 'observable',
          aggregation: { kind: 'terms', field: 'sighted', size: 2 },
          layout: at(9, 0, 3, 4),
        },
        {
          id: 'iocSighted',
          type: 'counter',
          title: 'Sighted IOCs',
          entity: 'observable',
          filter: { _and: [{ _eq: { _field: 'ioc', _value: true } }, { _eq: { _field: 'sighted', _value: true } }] },
          aggregation: { kind: 'count' },
          layout: at(0, 4, 3, 2),
        },
        {
          id: 'tags',
          type: 'bar',
          title: 'Top observable tags',
          entity: 'observable',
          aggregation: { kind: 'terms', field: 'tags', size: 15 },
          layout: at(6, 4),
        },
      ],
    },
  },
  {
    key: 'analyzers',
    title: 'Analyzers',
    description: 'Analyzer usage: jobs by analyzer, status and day',
    definition: {
      period: 'last30Days',
      widgets: [
        {
          id: 'byAnalyzer',
          type: 'bar',
          title: 'Jobs by analyzer',
          entity: 'job',
          aggregation: { kind: 'terms', field: 'analyzerName', size: 20 },
          layout: at(0, 0),
        },
        { id: 'status', type: 'donut', title: 'Jobs by status', entity: 'job', aggregation: { kind: 'terms', field: 'status', size: 10 }, layout: at(6, 0) },
        {
          id: 'perDay',
          type: 'area',
          title: 'Jobs per day',
          entity: 'job',
          aggregation: { kind: 'histogram', field: '_createdAt', interval: 'day' },
          layout: at(0, 4, 12, 4),
        },
      ],
    },
  },
];
