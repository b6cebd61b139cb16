-- Languages (board.i18n): a person's own choice of language (NULL: their browser's, else the organisation's
-- default), and the language a suggestion's text was written in, as its author said (shown to whoever reads it, so
-- a manager knows; it says no more than the text itself does, and the author may leave it at the page's language).
ALTER TABLE people ADD COLUMN locale VARCHAR;
ALTER TABLE suggestions ADD COLUMN language VARCHAR;
ALTER TABLE held_suggestions ADD COLUMN language VARCHAR;
