; fixpoint extras for C++: includes, inheritance, namespaces, calls.

(preproc_include path: (_) @import.module) @import.statement
(class_specifier name: (type_identifier) @inherit.class (base_class_clause (type_identifier) @inherit.base))
(struct_specifier name: (type_identifier) @inherit.class (base_class_clause (type_identifier) @inherit.base))
(namespace_definition name: (namespace_identifier) @name) @definition.module
(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call
(call_expression function: (qualified_identifier name: (identifier) @name)) @reference.call
(type_identifier) @name @reference.type
((identifier) @name @reference.identifier)
