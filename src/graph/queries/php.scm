; fixpoint extras for PHP: use clauses, require/include, inheritance.

(namespace_use_clause (qualified_name) @import.module) @import.statement
(require_once_expression (string (string_content) @import.module)) @import.statement
(require_expression (string (string_content) @import.module)) @import.statement
(include_expression (string (string_content) @import.module)) @import.statement
(include_once_expression (string (string_content) @import.module)) @import.statement
(class_declaration name: (name) @inherit.class (base_clause (name) @inherit.base))
(class_declaration name: (name) @inherit.class (class_interface_clause (name) @inherit.base))
(name) @name @reference.identifier
