; fixpoint extras for JavaScript: imports, inheritance, module-level constants.

(import_statement source: (string (string_fragment) @import.module)) @import.statement
(import_statement (import_clause (named_imports (import_specifier name: (_) @import.name))) source: (string (string_fragment) @import.module)) @import.statement
(import_statement (import_clause (identifier) @import.name) source: (string (string_fragment) @import.module)) @import.statement
(export_statement source: (string (string_fragment) @import.module)) @import.statement
((call_expression function: (identifier) @_req arguments: (arguments (string (string_fragment) @import.module))) @import.statement
  (#eq? @_req "require"))
(call_expression function: (import) arguments: (arguments (string (string_fragment) @import.module))) @import.statement

(class_declaration name: (_) @inherit.class (class_heritage (identifier) @inherit.base))
(class_declaration name: (_) @inherit.class (class_heritage (member_expression property: (property_identifier) @inherit.base)))

(program (lexical_declaration (variable_declarator name: (identifier) @name value: [(number) (string) (object) (array) (call_expression) (new_expression) (template_string) (member_expression)])) @definition.constant)
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name value: [(number) (string) (object) (array) (call_expression) (new_expression) (template_string) (member_expression)])) @definition.constant))
(method_definition name: (property_identifier) @name (#eq? @name "constructor")) @definition.method

((identifier) @name @reference.identifier)
