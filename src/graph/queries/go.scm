; fixpoint extras for Go: imports, struct embedding, package-level vars and consts.

(import_spec path: (_) @import.module) @import.statement
(import_spec name: (package_identifier) @import.alias path: (_) @import.module) @import.statement

(type_spec name: (type_identifier) @inherit.class type: (struct_type (field_declaration_list (field_declaration !name type: (type_identifier) @inherit.base))))
(type_spec name: (type_identifier) @inherit.class type: (interface_type (type_elem (type_identifier) @inherit.base)))

(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))
(source_file (var_declaration (var_spec name: (identifier) @name) @definition.variable))

((identifier) @name @reference.identifier)
