; fixpoint extras for Rust: use/mod, trait impls, consts and statics.

(use_declaration argument: (_) @import.module) @import.statement
(mod_item name: (identifier) @import.mod !body) @import.statement

(impl_item trait: (type_identifier) @inherit.base type: (type_identifier) @inherit.class)
(impl_item trait: (scoped_type_identifier name: (type_identifier) @inherit.base) type: (type_identifier) @inherit.class)

(source_file (const_item name: (identifier) @name) @definition.constant)
(source_file (static_item name: (identifier) @name) @definition.variable)

(scoped_identifier name: (identifier) @name) @reference.identifier
(type_identifier) @name @reference.type
((identifier) @name @reference.identifier)
