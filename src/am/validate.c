/*-------------------------------------------------------------------------
 *
 * validate.c
 *	  The opclass validator of the zvec access method (amvalidate).
 *
 * A zvec operator class has exactly one operator, strategy 1, an ORDER BY
 * operator (type, type) -> float8 whose sort family orders float8; support
 * function 1, the distance (type, type) -> float8; and optionally support
 * function 2, which normalises (type) -> type.  Every problem found is
 * reported (as INFO, like core's validators), not just the first, and the
 * result is false if there was any.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/am/validate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "am/am.h"

/* Check one support function of the family; false (and INFO) if wrong. */
static bool
ZvecValidateProc(const char *opfamilyname, Form_pg_amproc procform)
{
	bool		ok = true;

	if (procform->amproclefttype != procform->amprocrighttype)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("zvec operator family \"%s\" contains support function %s with different left and right input types",
						opfamilyname, format_procedure(procform->amproc))));
		return false;
	}

	switch (procform->amprocnum)
	{
		case ZVEC_DISTANCE_PROC:
			ok = check_amproc_signature(procform->amproc, FLOAT8OID, true,
										2, 2, procform->amproclefttype,
										procform->amproclefttype);
			break;
		case ZVEC_NORMALIZE_PROC:
			ok = check_amproc_signature(procform->amproc,
										procform->amproclefttype, true,
										1, 1, procform->amproclefttype);
			break;
		default:
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("zvec operator family \"%s\" contains function %s with invalid support number %d",
							opfamilyname, format_procedure(procform->amproc),
							procform->amprocnum)));
			return false;
	}

	if (!ok)
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("zvec operator family \"%s\" contains function %s with wrong signature for support number %d",
						opfamilyname, format_procedure(procform->amproc),
						procform->amprocnum)));
	return ok;
}

/* Check one operator of the family; false (and INFO) if wrong. */
static bool
ZvecValidateOperator(const char *opfamilyname, Form_pg_amop oprform)
{
	bool		ok = true;

	if (oprform->amopstrategy != 1)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("zvec operator family \"%s\" contains operator %s with invalid strategy number %d",
						opfamilyname, format_operator(oprform->amopopr),
						oprform->amopstrategy)));
		ok = false;
	}

	if (oprform->amoppurpose != AMOP_ORDER)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("zvec operator family \"%s\" contains operator %s that is not an ORDER BY operator",
						opfamilyname, format_operator(oprform->amopopr))));
		ok = false;
	}
	else if (!opfamily_can_sort_type(oprform->amopsortfamily, FLOAT8OID))
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("zvec operator family \"%s\" contains ORDER BY operator %s with a sort family that cannot sort float8",
						opfamilyname, format_operator(oprform->amopopr))));
		ok = false;
	}

	if (!check_amop_signature(oprform->amopopr, FLOAT8OID,
							  oprform->amoplefttype, oprform->amoprighttype))
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("zvec operator family \"%s\" contains operator %s with wrong signature",
						opfamilyname, format_operator(oprform->amopopr))));
		ok = false;
	}
	return ok;
}

/* The amvalidate callback. */
bool
zvecvalidate(Oid opclassoid)
{
	bool		result = true;
	HeapTuple	classtup;
	Form_pg_opclass classform;
	Oid			opfamilyoid;
	Oid			opcintype;
	char	   *opclassname;
	HeapTuple	familytup;
	Form_pg_opfamily familyform;
	char	   *opfamilyname;
	CatCList   *proclist;
	CatCList   *oprlist;
	List	   *grouplist;
	ListCell   *lc;
	int			i;
	bool		found_class_group = false;

	classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	classform = (Form_pg_opclass) GETSTRUCT(classtup);
	opfamilyoid = classform->opcfamily;
	opcintype = classform->opcintype;
	opclassname = NameStr(classform->opcname);

	familytup = SearchSysCache1(OPFAMILYOID, ObjectIdGetDatum(opfamilyoid));
	if (!HeapTupleIsValid(familytup))
		elog(ERROR, "cache lookup failed for operator family %u", opfamilyoid);
	familyform = (Form_pg_opfamily) GETSTRUCT(familytup);
	opfamilyname = NameStr(familyform->opfname);

	oprlist = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(opfamilyoid));
	proclist = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(opfamilyoid));

	for (i = 0; i < proclist->n_members; i++)
	{
		HeapTuple	proctup = &proclist->members[i]->tuple;

		if (!ZvecValidateProc(opfamilyname, (Form_pg_amproc) GETSTRUCT(proctup)))
			result = false;
	}

	for (i = 0; i < oprlist->n_members; i++)
	{
		HeapTuple	oprtup = &oprlist->members[i]->tuple;

		if (!ZvecValidateOperator(opfamilyname, (Form_pg_amop) GETSTRUCT(oprtup)))
			result = false;
	}

	/* Each type pair needs its operator and its distance function. */
	grouplist = identify_opfamily_groups(oprlist, proclist);
	foreach(lc, grouplist)
	{
		OpFamilyOpFuncGroup *group = (OpFamilyOpFuncGroup *) lfirst(lc);

		if (group->lefttype == opcintype && group->righttype == opcintype)
			found_class_group = true;

		if ((group->operatorset & ((uint64) 1 << 1)) == 0)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("zvec operator family \"%s\" is missing the ORDER BY operator for types %s and %s",
							opfamilyname, format_type_be(group->lefttype),
							format_type_be(group->righttype))));
			result = false;
		}
		if ((group->functionset & ((uint64) 1 << ZVEC_DISTANCE_PROC)) == 0)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("zvec operator family \"%s\" is missing support function %d (distance) for types %s and %s",
							opfamilyname, ZVEC_DISTANCE_PROC,
							format_type_be(group->lefttype),
							format_type_be(group->righttype))));
			result = false;
		}
	}

	if (!found_class_group)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("zvec operator class \"%s\" has no operator and distance function for type %s",
						opclassname, format_type_be(opcintype))));
		result = false;
	}

	ReleaseCatCacheList(proclist);
	ReleaseCatCacheList(oprlist);
	ReleaseSysCache(familytup);
	ReleaseSysCache(classtup);

	return result;
}
