; fixpoint extras shared by JavaScript, TypeScript and TSX (read before each one's own file):
; ES module imports and exports, require() and dynamic import().

(import_statement source: (string (string_fragment) @import.module)) @import.statement
(import_statement (import_clause (named_imports (import_specifier name: (_) @import.name))) source: (string (string_fragment) @import.module)) @import.statement
(import_statement (import_clause (identifier) @import.name) source: (string (string_fragment) @import.module)) @import.statement
(export_statement source: (string (string_fragment) @import.module)) @import.statement
((call_expression function: (identifier) @_req arguments: (arguments (string (string_fragment) @import.module))) @import.statement
  (#eq? @_req "require"))
(call_expression function: (import) arguments: (arguments (string (string_fragment) @import.module))) @import.statement
