/** Builds the in-process analysis engine from the configuration. */
import type { AnalysisConfig } from '../config/config.js';
import type { EntityStore } from '../storage/entity-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { AuditService } from '../services/audit.service.js';
import { Catalog } from './catalog.js';
import { ChildProcessRunner, type ProcessRunner } from './process-runner.js';
import { JobExecutor } from './job-executor.js';
import { AnalysisService } from './analysis.service.js';

export function createAnalysis(
  config: AnalysisConfig,
  store: EntityStore,
  blobs: BlobStore,
  audit: AuditService,
  runner: ProcessRunner = new ChildProcessRunner(),
): AnalysisService {
  const catalog = new Catalog({ analyzers: config.analyzerFolders, responders: config.responderFolders });
  const executor = new JobExecutor(runner, {
    jobDirectory: config.jobDirectory,
    interpreters: config.interpreters,
    storeFile: async (content) => {
      const info = await blobs.put(content);
      return { sha256: info.sha256, size: info.size };
    },
  });
  return new AnalysisService(store, blobs, audit, catalog, executor, {
    concurrency: config.concurrency,
    jobTimeout: config.jobTimeout,
    jobCache: config.jobCache,
  });
}
