/* sql/zvec--0.1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION zvec" to load this file. \quit

-- ==== section: vector type (src/type/vector.c) ====

-- ==== end section: vector type ====

-- ==== section: memory governor (src/memory/, src/guc.c) ====

-- ==== end section: memory governor ====
