/**
 * The code graph: tree-sitter parsing (native bindings, web-tree-sitter fallback) of a
 * repository into SQLite — files, symbols, edges, FTS5 — with incremental updates, structural
 * queries, a ranked repo map, issue localization, change impact, the tests a change can reach
 * and the editor's syntax guard.
 */
export { createGraphHooks, type GraphHooksLike, localizationSummary } from "./agent.js";
export type { ExtractedSymbol, FileExtraction, SymbolKind } from "./extract.js";
export { type FileEntry, type FileSource, localFileSource } from "./files.js";
export {
  type BuildStats,
  type CalleeHit,
  CodeGraph,
  type CodeGraphOptions,
  type GraphStats,
  isTestPath,
  moduleName,
  type NeighborHit,
  type OutlineEntry,
  openCodeGraph,
  type RefHit,
  type SymbolHit,
} from "./graph.js";
export { checkSyntaxRegression } from "./guard.js";
export { type HistorySource, type HistoryState, syncHistory } from "./history.js";
export {
  type ChangedSymbol,
  changedSymbols,
  computeImpact,
  type Dependent,
  type FileChange,
  type ImpactResult,
  type LocatedChange,
  parseUnifiedDiff,
  renderImpact,
  textBeforeDiff,
  workingTreeDiff,
} from "./impact.js";
export { type LanguageId, languageForFile, languageForPath, supportedLanguages } from "./languages.js";
export { issueSignals, type LocalizeOptions, type LocalizeResult, localize } from "./localize.js";
export type { BackendKind } from "./parser.js";
export { pageRank, type RankedFile, type RepoMapOptions, rankFiles, renderRepoMap } from "./rank.js";
export { defaultCacheDir, defaultDbPath, SCHEMA_VERSION } from "./store.js";
export {
  parameterNames,
  type ReachedTest,
  type TestReachOptions,
  type TestReachResult,
  testsReaching,
  testsReachingLocations,
  testsReachingSymbols,
} from "./test-reach.js";
