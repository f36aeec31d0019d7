# The input readers (cli/rows.c: text rows and .npy, cli/npy.c) neither print
# nor exit, so the unit tests link them as they are.
NS_READER_OBJ = $(BUILD)/obj/cli/rows.o $(BUILD)/obj/cli/npy.o
$(UNIT): $(NS_READER_OBJ)
$(UNIT): TEST_OBJ += $(NS_READER_OBJ)
