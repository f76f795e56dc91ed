; fixpoint extras for Python: imports, inheritance, decorators, and every identifier as a reference
; (attribute names and type names included; bare `(T) @name @reference.K` lines are served by
; descendantsOfType, see parser.ts).

(import_statement name: (dotted_name) @import.module) @import.statement
(import_statement name: (aliased_import name: (dotted_name) @import.module alias: (identifier) @import.alias)) @import.statement

(import_from_statement module_name: (_) @import.module name: (dotted_name) @import.name) @import.statement
(import_from_statement module_name: (_) @import.module name: (aliased_import name: (dotted_name) @import.name alias: (identifier) @import.alias)) @import.statement
(import_from_statement module_name: (_) @import.module (wildcard_import) @import.name) @import.statement

(class_definition
  name: (identifier) @inherit.class
  superclasses: (argument_list [
    (identifier) @inherit.base
    (attribute attribute: (identifier) @inherit.base)
  ]))

(decorator (identifier) @name) @reference.call
(decorator (attribute attribute: (identifier) @name)) @reference.call
((identifier) @name @reference.identifier)
