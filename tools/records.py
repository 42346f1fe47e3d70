def changed_records(records, vals, field_names):
    """Return the records of ``records`` whose value of one of ``field_names``
    differs from what ``vals`` is about to write."""
    names = field_names & vals.keys()
    if not names:
        return records.browse()
    return records.filtered(
        lambda rec: any(
            rec._fields[name].convert_to_write(rec[name], rec) != vals[name] for name in names
        )
    )
