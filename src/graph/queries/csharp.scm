; fixpoint extras for C#: usings, inheritance, structs, enums, constructors, calls.

(using_directive (qualified_name) @import.module) @import.statement
(using_directive (identifier) @import.module) @import.statement
(class_declaration name: (identifier) @inherit.class (base_list (identifier) @inherit.base))
(interface_declaration name: (identifier) @inherit.class (base_list (identifier) @inherit.base))
(struct_declaration name: (identifier) @name) @definition.class
(enum_declaration name: (identifier) @name) @definition.enum
(constructor_declaration name: (identifier) @name) @definition.method
(invocation_expression function: (identifier) @name) @reference.call
((identifier) @name @reference.identifier)
