export interface ImportProblem {
  file: string;
  line: number;
  rule: 'unresolved' | 'module-boundary' | 'repo-imports-service' | 'fhir-pure' | 'db-driver' | 'no-fastify' | 'import-cycle';
  message: string;
}
export interface ParsedImport {
  spec: string;
  line: number;
  typeOnly: boolean;
  dynamic: boolean;
}
export function checkImports(root: string): ImportProblem[];
export function parseImports(source: string): ParsedImport[];
export function stripComments(source: string): string;
export function findCycles(graph: Map<string, Set<string>>): string[][];
