; fixpoint extras for C: includes, calls, macros.

(preproc_include path: (_) @import.module) @import.statement
(call_expression function: (identifier) @name) @reference.call
(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro
(type_identifier) @name @reference.type
((identifier) @name @reference.identifier)
