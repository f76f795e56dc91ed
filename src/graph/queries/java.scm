; fixpoint extras for Java: imports, inheritance, enums, records, constructors, fields.

(import_declaration (scoped_identifier) @import.module) @import.statement
(import_declaration (identifier) @import.module) @import.statement

(class_declaration name: (identifier) @inherit.class superclass: (superclass (type_identifier) @inherit.base))
(class_declaration name: (identifier) @inherit.class interfaces: (super_interfaces (type_list (type_identifier) @inherit.base)))
(interface_declaration name: (identifier) @inherit.class (extends_interfaces (type_list (type_identifier) @inherit.base)))

(enum_declaration name: (identifier) @name) @definition.enum
(record_declaration name: (identifier) @name) @definition.class
(constructor_declaration name: (identifier) @name) @definition.method
(field_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.field

(type_identifier) @name @reference.type
((identifier) @name @reference.identifier)
