"""REFI-QDA exchange: the project format (.qdpx = project.qde + Sources/) and the codebook
format (.qdc), QDA-XML 1.0 (www.qdasoftware.org).

How Casecoder's objects map onto the standard, where the standard has no place for them
(see conventions.py for the exact text forms):

- transcripts -> TextSource with plainTextPath "internal://<guid>.txt" (the stored text,
  UTF-8); offsets of PlainTextSelection are code points into that text, as the standard
  says, with exclusive ends. Files of other tools are read in their own unit (NVivo writes
  UTF-16 code units), decided from the evidence in the file: see positions.py.
- segments -> PlainTextSelection; the segment memo is its Description; a case section is
  named "Case section"; its coder is creatingUser.
- codings -> Coding with CodeRef; a coded value rides in a Note named "Coded value"
  referenced by the Coding's NoteRef.
- codes -> Code (guid, name, color, isCodable, nested Codes); description, inclusion,
  exclusion, example and scale are labelled paragraphs of the Description.
- case and expert attributes -> Variables; the applies-to, categorical choices and the
  outcome flag ride in the Variable's Description ("Casecoder: {...}"); experts are two
  marked Text variables of each TextSource (pseudonym, description), and a third marks which
  speaker of the transcript is the expert; expert attributes are VariableValues of the
  TextSources of that expert.
- cases -> Case with VariableValues, SourceRef (whole transcripts) and SelectionRef
  (segments linked to the case).
- memos -> Notes, referenced from the Project, Code, TextSource or PlainTextSelection;
  a memo on a case is a Link from the Note to the Case (CaseType has no NoteRef).

GUIDs are uuid5 of a per-project namespace and the object's kind and id (guids.py), so
exporting the same project twice gives the same GUIDs.
"""

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
